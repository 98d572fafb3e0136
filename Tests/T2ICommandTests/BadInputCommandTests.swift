import Foundation
import Testing
import Imaging
import TensorCore

/// Bad inputs that scripts/bad_inputs.sh found handled wrongly (issue 13), one per class: each is
/// refused with a non-zero exit and one line naming the file or key, and changes nothing on disk;
/// and odd but valid inputs are accepted.
@Suite("t2i: bad inputs across commands", .serialized)
struct BadInputCommandTests {
    /// Runs `t2i arguments` in `folder`; requires `status`, every `message` part on one stderr line,
    /// and no file under `folder` changed.
    static func refused(_ arguments: [String], in folder: URL, status: Int32 = 1, message: String...) throws {
        let before = try GenerateRobustnessTests.snapshot(folder)
        let out = try T2IBinary().run(arguments, in: folder)
        #expect(out.status == status, "\(arguments): exit \(out.status), \(out.stderr)")
        for part in message { #expect(out.stderr.contains(part), "\(arguments): \(out.stderr)") }
        let lines = out.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage: ") && !$0.hasPrefix("  See '") && !$0.hasPrefix("denoising") }
        #expect(lines.count == 1, "\(arguments): \(out.stderr)")
        #expect(!out.stderr.contains("NSCocoaErrorDomain") && !out.stderr.contains("Error Domain="), "\(out.stderr)")
        #expect(try GenerateRobustnessTests.snapshot(folder) == before, "\(arguments) changed files")
    }

    @Test("diffuse and eval never replace a file t2i did not write (--out, --grid)")
    func foreignOutputs() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("my notes".utf8).write(to: folder.appendingPathComponent("notes.png"))
        let model = ShippedModelTests.shipped.path
        let source = try T2IBinary().run(["generate", "a red circle", "--run", model, "--steps", "2", "--out", "red.png"], in: folder)
        try #require(source.status == 0, "\(source.stderr)")
        try Self.refused(["diffuse", "red.png", "--run", model, "--out", "notes.png"], in: folder,
                         message: "notes.png: exists and is not an image t2i generated")
        try Self.refused(["eval", "shapes", "--run", model, "--seeds", "1", "--steps", "2", "--grid", "notes.png"], in: folder,
                         message: "notes.png: exists and is not an image t2i generated")
        // Its own strip, marked with a Software chunk, it replaces.
        let first = try T2IBinary().run(["diffuse", "red.png", "--run", model, "--out", "strip.png"], in: folder)
        let again = try T2IBinary().run(["diffuse", "red.png", "--run", model, "--out", "strip.png"], in: folder)
        #expect(first.status == 0 && again.status == 0, "\(again.stderr)")
        let software = try Image.readPNGText(at: folder.appendingPathComponent("strip.png")).first { $0.key == "Software" }?.value
        #expect(software?.hasPrefix("t2i ") == true)
    }

    @Test("counts from flags are bounded before anything is allocated or written")
    func boundedCounts() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.refused(["data", "shapes", "--count", "1000000000000", "--out", "big"], in: folder, status: 64,
                         message: "--count must be in 1...10000000, got 1000000000000")
        try Self.refused(["data", "shapes", "--count", "-1", "--out", "neg"], in: folder, status: 64,
                         message: "--count must be in 1...10000000, got -1")
        try Self.refused(["eval", "shapes", "--run", ShippedModelTests.shipped.path, "--seeds", "1000000000"], in: folder, status: 64,
                         message: "--seeds must be in 1...1000, got 1000000000")
        try Self.refused(["tokenizer", "train", "--input", "x.txt", "--vocab-size", "1000000000", "--out", "t.model"], in: folder,
                         status: 64, message: "--vocab-size must be in 1...65536, got 1000000000")
    }

    @Test("config errors name the key: betas out of order, a sample size that is not the latent size, a folder as --config")
    func configKeys() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = ConfigValidateCommandTests.configs.appendingPathComponent("shapes-32.yaml").path
        try Self.refused(["config", "validate", config, "--set", "scheduler.beta_end=0"], in: folder,
                         message: "--set scheduler.beta_end=0: scheduler.beta_end: must be in [beta_start, 1)")
        try Self.refused(["config", "validate", config, "--set", "scheduler.beta_start=1"], in: folder,
                         message: "scheduler.beta_start: must be in (0, 1), got 1.0")
        try Self.refused(["config", "validate", config, "--set", "unet.sample_size=64"], in: folder,
                         message: "unet.sample_size: must be the latent size, data.size 32 / 4", "= 8, got 64")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("cfg.yaml"), withIntermediateDirectories: false)
        try Self.refused(["config", "validate", "cfg.yaml"], in: folder, message: "cfg.yaml: is a folder, not a config file")
        try Data([0xFF, 0xFE, 0x20, 0x61, 0x3A, 0x20, 0x31, 0x0A]).write(to: folder.appendingPathComponent("bytes.yaml"))
        try Self.refused(["config", "validate", "bytes.yaml"], in: folder, message: "bytes.yaml: not UTF-8 text")
    }

    @Test("a new run that cannot start leaves no run folder; a FIFO is not read as captions")
    func newRunLeavesNothing() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("x".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try Self.refused(["train-encoder", "--run", "new", "--set", "data.kind=folder", "--set", "data.path=notes.txt"], in: folder,
                         message: "notes.txt: cannot read: not a folder")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("new").path))
        let fifoFolder = folder.appendingPathComponent("ds")
        try FileManager.default.createDirectory(at: fifoFolder, withIntermediateDirectories: false)
        #expect(mkfifo(fifoFolder.appendingPathComponent("captions.jsonl").path, 0o644) == 0)
        try Self.refused(["data", "info", "ds"], in: folder, message: "ds/captions.jsonl: cannot read: not a regular file")
        // A dataset refused after loading (nothing left for validation) keeps no prepared file.
        let one = folder.appendingPathComponent("one")
        try FileManager.default.createDirectory(at: one, withIntermediateDirectories: false)
        try Image(width: 16, height: 16, format: .rgb, fill: (200, 10, 10)).writePNG(to: one.appendingPathComponent("a.png"))
        try Data(#"{"file": "a.png", "text": "a red square"}\#n"#.utf8).write(to: one.appendingPathComponent("captions.jsonl"))
        try Self.refused(["train-encoder", "--run", "new2", "--set", "data.kind=folder", "--set", "data.path=one", "--set", "data.size=32"],
                         in: folder, message: "data.validation_per_mille: leaves 1 training and 0 validation images")
    }

    @Test("a Foundation file error is one plain line with its path; --out must name a file")
    func plainFileErrors() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("my notes".utf8).write(to: folder.appendingPathComponent("notes.png"))
        let model = ShippedModelTests.shipped.path
        try Self.refused(["generate", "a red circle", "--run", model, "--steps", "2", "--out", "notes.png/x.png"], in: folder,
                         message: "notes.png")
        try Self.refused(["generate", "a red circle", "--run", model, "--out", "pictures/"], in: folder, status: 64,
                         message: "--out pictures/ names a folder; give a file name such as pictures/image.png")
        try Self.refused(["generate", "a red circle", "--run", model, "--out", ""], in: folder, status: 64,
                         message: "--out must name a PNG file")
    }

    @Test("negative numbers are values, not flags: --guidance -3 is used, --steps -3 is refused by its bound")
    func negativeNumbers() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = ShippedModelTests.shipped.path
        let out = try T2IBinary().run(["generate", "a red circle", "--run", model, "--steps", "2", "--guidance", "-3", "--out", "n.png"], in: folder)
        #expect(out.status == 0, "\(out.stderr)")
        let text = Dictionary(try Image.readPNGText(at: folder.appendingPathComponent("n.png")).map { ($0.key, $0.value) }) { a, _ in a }
        #expect(text["t2i:guidance"] == "-3.0")
        try Self.refused(["generate", "a red circle", "--run", model, "--steps", "-3"], in: folder, status: 64,
                         message: "--steps must be at least 1, got -3")
    }

    @Test("a model folder whose config describes a model that cannot fit is refused before it is built")
    func oversizedModel() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try GenerateRobustnessTests.copyModel(into: folder)
        let configURL = model.appendingPathComponent("unet/config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        config["block_out_channels"] = [8192, 8192]
        config["layers_per_block"] = 64
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        try Self.refused(["generate", "a red circle", "--run", "model"], in: folder,
                         message: "model/unet/config.json: describes a U-Net of 8.31e+11 parameters, which needs about 6644.87 GB")
    }
}
