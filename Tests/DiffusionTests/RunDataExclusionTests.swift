import Foundation
import Testing
import Datasets
import Diffusion

/// `data.exclude` when a run prepares its data: generated without the held-out combinations, and
/// an existing folder that shows them refused rather than trained on.
@Suite("run data: held-out combinations")
struct RunDataExclusionTests {
    static func config(path: URL, exclude: String) throws -> RunConfig {
        try ConfigLoader.resolve(yaml: "", source: "test", overrides: [
            "data.path=\(path.path)", "data.count=300", "data.size=16", "data.two_object_fraction=0.3",
            "data.validation_per_mille=100", "data.exclude=\(exclude)",
        ])
    }

    @Test("generated data holds no caption naming an excluded combination")
    func generatedWithout() throws {
        let folder = try TestFiles.scratchFolder().appendingPathComponent("shapes")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let data = try RunData(config: Self.config(path: folder, exclude: "[green triangle, red square]"))
        #expect(data.dataset.count == 300)
        let captions = data.dataset.captions
        #expect(!captions.contains { $0.contains(" green triangle ") || $0.contains(" red square ") })
        #expect(captions.contains { $0.contains(" green circle ") } && captions.contains { $0.contains(" red triangle ") })
    }

    @Test("a folder generated without the exclusion is refused, naming the key, the combination and the folder")
    func existingFolderShowingIt() throws {
        let folder = try TestFiles.scratchFolder().appendingPathComponent("shapes")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try ShapesGenerator(size: 16, seed: 0, twoObjectFraction: 0.3).write(count: 300, to: folder)
        let shown = try String(contentsOf: folder.appendingPathComponent("captions.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(" red square ") }.count
        try #require(shown > 0)
        #expect(throws: ConfigError(source: "config", key: "data.exclude",
                                    "'red square' is held out, but \(shown) captions in \(folder.path) show it (a folder generated without the exclusion?); set data.path to a new folder")) {
            try RunData(config: Self.config(path: folder, exclude: "[red square]"))
        }
    }
}
