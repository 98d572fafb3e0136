import Foundation
import Testing
import Imaging

/// `t2i eval shapes|generation|ae` and `t2i bench train-unet|generate` on tiny settings.
@Suite("t2i eval and bench for generation", .serialized)
struct GenerateEvalCommandTests {
    @Test("eval shapes scores single objects and two-object prompts, prints per-attribute accuracy and writes a grid of each")
    func shapes() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try T2IBinary().run(["eval", "shapes", "--run", run.path, "--seeds", "1", "--steps", "2", "--grid", "probe.png"], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        for attribute in ["colour", "shape", "size", "position", "background", "fully", "colours", "shapes", "relation", "count"] {
            #expect(out.stdout.contains("  \(attribute)"), "\(attribute) missing from: \(out.stdout)")
        }
        let verdicts = out.stdout.split(separator: "\n").filter { $0.hasPrefix("✓") || $0.hasPrefix("✗") }
        #expect(verdicts.count == 72 + 60)
        #expect(verdicts.filter { $0.contains(" to the left of ") || $0.contains(" above a ") }.count == 60)
        #expect(out.stdout.contains("two-object probe: 60 images (60 prompts × 1 seed from 0)"))
        #expect(!out.stdout.contains("held out"), "no held-out set for a run that holds nothing out")
        let grid = try Image.readPNG(at: folder.appendingPathComponent("probe.png"))
        #expect(grid.width == 12 * 16 + 13 * 2 && grid.height == 6 * 19 + 7 * 2)  // 12 columns, padding 2, a 3-pixel band under each image
        let pairs = try Image.readPNG(at: folder.appendingPathComponent("probe-pairs.png"))
        #expect(pairs.width == 12 * 16 + 13 * 2 && pairs.height == 5 * 19 + 6 * 2)
    }

    @Test("eval shapes --prompts held-out prompts the named combinations, and refuses without any")
    func shapesHeldOut() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try T2IBinary().run(["eval", "shapes", "--run", run.path, "--seeds", "1", "--steps", "2", "--grid", "probe.png",
                                       "--prompts", "held-out", "--held-out", "green triangle", "--held-out", "red  square"], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        let verdicts = out.stdout.split(separator: "\n").filter { $0.hasPrefix("✓") || $0.hasPrefix("✗") }
        #expect(verdicts.count == 36)
        #expect(verdicts.filter { $0.contains(" red square ") }.count == 18 && verdicts.filter { $0.contains(" green triangle ") }.count == 18)
        #expect(out.stdout.contains("held out (red square, green triangle): shapes probe: 36 images"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("probe-held-out.png").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("probe.png").path))

        let none = try T2IBinary().run(["eval", "shapes", "--run", run.path, "--prompts", "held-out"], in: folder)
        #expect(none.status != 0)
        #expect(none.stderr.contains("config.yaml holds no combination out (data.exclude is empty or missing); name them with --held-out"), "\(none.stderr)")
        let bad = try T2IBinary().run(["eval", "shapes", "--run", run.path, "--held-out", "green hexagon"], in: folder)
        #expect(bad.status != 0 && bad.stderr.contains("--held-out 'green hexagon' is not a colour and a shape"), "\(bad.stderr)")
    }

    @Test("eval generation prints the CLIP score and the CLIP-feature FID, saying it is not Inception FID")
    func generation() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("a large red circle in the center on a white background\n\na small blue square in the top left on a black background\n".utf8)
            .write(to: folder.appendingPathComponent("prompts.txt"))
        let out = try T2IBinary().run(["eval", "generation", "--run", run.path, "--prompts", "prompts.txt", "--per-prompt", "2",
                                       "--steps", "2"], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("CLIP score"))
        #expect(out.stdout.contains("CLIP-feature FID (run's own CLIP image tower, NOT Inception FID): "))
        let missing = try T2IBinary().run(["eval", "generation", "--run", run.path, "--prompts", "none.txt"], in: folder)
        #expect(missing.status != 0 && missing.stderr.contains("none.txt"))
    }

    @Test("eval ae prints PSNR, latent statistics and both shapes probes on reconstructions")
    func ae() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try T2IBinary().run(["eval", "ae", "--run", run.path], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("validation PSNR") && out.stdout.contains("latent std per channel"))
        #expect(out.stdout.contains("shapes probe on reconstructions of its 72 scenes: colour "), "\(out.stdout)")
        #expect(out.stdout.contains("two-object probe on reconstructions of its 60 scenes: colours "), "\(out.stdout)")
        let none = try T2IBinary().run(["eval", "ae", "--run", "nowhere"], in: folder)
        #expect(none.status != 0 && none.stderr.contains("nowhere"))
    }

    @Test("bench train-unet and bench generate run small versions and print GFLOP/s, % of sgemm and memory; after warm-up a step allocates nothing")
    func bench() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml").path
        let train = try T2IBinary().run(["bench", "train-unet", "--config", config, "--batch-size", "4", "--steps", "1"], in: folder)
        try #require(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("GFLOP/s") && train.stdout.contains(" % of this machine's sgemm ("))
        #expect(train.stdout.contains("memory: peak ") && train.stdout.contains(" tensor allocations per step, 0 of them fresh from the system"),
                "\(train.stdout)")
        let generate = try T2IBinary().run(["bench", "generate", "--config", config, "--count", "2", "--steps", "2"], in: folder)
        try #require(generate.status == 0, "\(generate.stderr)")
        #expect(generate.stdout.contains("GFLOP/s") && generate.stdout.contains("U-Net batch 4"))
        #expect(generate.stdout.contains(" % of this machine's sgemm (") && generate.stdout.contains(" tensor allocations per generation, "),
                "\(generate.stdout)")
    }
}
