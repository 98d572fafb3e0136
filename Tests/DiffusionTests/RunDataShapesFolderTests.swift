import Foundation
import Testing
import Datasets
import Diffusion

/// A run that finds its shapes folder already made checks it was made with the config's seed,
/// two-object share and exclusions, instead of training on another mix without a word.
@Suite("run data: an existing shapes folder against the config")
struct RunDataShapesFolderTests {
    static func config(path: URL, seed: Int = 0, fraction: Double) throws -> RunConfig {
        try ConfigLoader.resolve(yaml: "", source: "test", overrides: [
            "seed=\(seed)", "data.path=\(path.path)", "data.count=200", "data.size=16",
            "data.two_object_fraction=\(fraction)", "data.validation_per_mille=100",
        ])
    }

    /// The refusal of `folder`, made by `made`, for a config that draws as `wanted`: it names the
    /// first of the 200 files whose caption differs.
    static func refusal(of folder: URL, made: ShapesGenerator, wanted: ShapesGenerator) throws -> ConfigError {
        let index = try #require((0..<200).first { made.scene(at: $0).caption != wanted.scene(at: $0).caption })
        let file = ShapesGenerator.fileName(index: index, count: 200)
        return ConfigError(source: "config", key: "data.path",
                           "\(folder.path) was generated with other settings than this config's seed, data.two_object_fraction "
                           + "and data.exclude (\(file) says '\(made.scene(at: index).caption)', this config draws "
                           + "'\(wanted.scene(at: index).caption)'); set data.path to a new folder or remove this one")
    }

    @Test("a folder of the same settings is reused, also when it holds more samples than data.count")
    func sameSettings() throws {
        let folder = try TestFiles.scratchFolder().appendingPathComponent("shapes")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try ShapesGenerator(size: 16, seed: 0, twoObjectFraction: 0.3).write(count: 250, to: folder)
        let data = try RunData(config: Self.config(path: folder, fraction: 0.3))
        #expect(data.dataset.count == 250)
    }

    @Test("another two-object share is refused, naming data.path, the folder and the first caption that differs")
    func otherShare() throws {
        let folder = try TestFiles.scratchFolder().appendingPathComponent("shapes")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let made = try ShapesGenerator(size: 16, seed: 0, twoObjectFraction: 0.1)
        try made.write(count: 200, to: folder)
        let wanted = try ShapesGenerator(size: 16, seed: 0, twoObjectFraction: 0.5)
        #expect(throws: try Self.refusal(of: folder, made: made, wanted: wanted)) {
            try RunData(config: Self.config(path: folder, fraction: 0.5))
        }
    }

    @Test("another seed is refused too, with the same message")
    func otherSeed() throws {
        let folder = try TestFiles.scratchFolder().appendingPathComponent("shapes")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let made = try ShapesGenerator(size: 16, seed: 0, twoObjectFraction: 0.3)
        try made.write(count: 200, to: folder)
        let wanted = try ShapesGenerator(size: 16, seed: 7, twoObjectFraction: 0.3)
        #expect(throws: try Self.refusal(of: folder, made: made, wanted: wanted)) {
            try RunData(config: Self.config(path: folder, seed: 7, fraction: 0.3))
        }
    }
}
