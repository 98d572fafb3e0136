import Foundation
import Testing

/// `t2i quickstart`'s refusals (training itself takes minutes: see the README's figures).
@Suite("t2i quickstart")
struct QuickstartCommandTests {
    @Test("a budget out of range is refused in one line naming --minutes")
    func badBudget() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try T2IBinary().run(["quickstart", "--minutes", "4"], in: folder)
        #expect(out.status != 0)
        #expect(out.stderr == "Error: --minutes 4: choose 5 to 180 (or leave it out to train the default config)\n", "\(out.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "nothing may be written")
    }

    @Test("a run folder trained with another config is refused and left as it was")
    func foreignRun() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("runs/quickstart-10m")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml")
        let original = try Data(contentsOf: config)
        try original.write(to: run.appendingPathComponent("config.yaml"))
        let out = try T2IBinary().run(["quickstart", "--minutes", "10"], in: folder)
        #expect(out.status != 0)
        #expect(out.stderr.contains("runs/quickstart-10m/config.yaml: this run was trained with another config than the quickstart plan"), "\(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        #expect(try Data(contentsOf: run.appendingPathComponent("config.yaml")) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.path) == ["config.yaml"])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("data").path))
    }
}
