import Datasets
import Diffusion
import Foundation
import Testing

/// `t2i data shapes` without `--two-object-fraction` makes the data the default config trains on,
/// so a folder made by hand for `data.path` passes the run's check of an existing shapes folder.
@Suite struct DataShapesCommandTests {
    @Test("the default two-object share is the default config's: every caption is what the config's generator draws")
    func defaultShare() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let count = 40
        let out = try T2IBinary().run(["data", "shapes", "--out", "made", "--count", "\(count)", "--size", "16"], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        let lines = try String(contentsOf: folder.appendingPathComponent("made/captions.jsonl"), encoding: .utf8).split(separator: "\n")
        var captions: [String: String] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            captions[try #require(object["file"] as? String)] = try #require(object["text"] as? String)
        }
        #expect(captions.count == count)
        let generator = try ShapesGenerator(size: 16, seed: 0, twoObjectFraction: DataConfig().twoObjectFraction)
        for index in 0..<count {
            let file = ShapesGenerator.fileName(index: index, count: count)
            #expect(captions[file] == generator.scene(at: index).caption, "\(file)")
        }
    }
}
