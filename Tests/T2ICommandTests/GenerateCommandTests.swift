import Foundation
import Testing
import Imaging

/// A tiny pipeline (Configs/tiny.yaml, 5 steps per stage, 128 images) trained once for the
/// generation command tests, in a temporary folder.
enum GenerateTinyRun {
    /// The trained run folder, or why training failed.
    static let folder: Result<URL, TrainError> = train()

    struct TrainError: Error, CustomStringConvertible {
        let description: String
    }

    /// The run folder; fails the calling test when training failed.
    static func run() throws -> URL {
        try folder.get()
    }

    /// The folder the run and its data live in, removed when the test process exits.
    private static let root = FileManager.default.temporaryDirectory
        .appendingPathComponent("T2ICommandTests-tiny-\(UUID().uuidString)", isDirectory: true)

    private static func train() -> Result<URL, TrainError> {
        do {
            let t2i = try T2IBinary()
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            atexit { try? FileManager.default.removeItem(at: GenerateTinyRun.root) }
            let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml").path
            let run = root.appendingPathComponent("tiny")
            let settings = ["--set", "data.count=128", "--set", "data.path=\(root.appendingPathComponent("data").path)",
                            "--set", "encoder_training.steps=5", "--set", "vae_training.steps=5", "--set", "unet_training.steps=5"]
            for stage in ["train-encoder", "train-ae", "train-unet"] {
                let out = try t2i.run([stage, "--config", config, "--run", run.path] + settings, in: root)
                guard out.status == 0 else { return .failure(TrainError(description: "\(stage) failed: \(out.stderr)")) }
            }
            return .success(run)
        } catch {
            return .failure(TrainError(description: "\(error)"))
        }
    }
}

/// `t2i generate` and `t2i diffuse`, run as a user runs them.
@Suite("t2i generate", .serialized)
struct GenerateCommandTests {
    static let prompt = "a large red circle in the center on a white background"

    /// Runs `t2i generate` in `folder` and requires success.
    static func generate(_ arguments: [String], in folder: URL) throws -> T2IBinary.Output {
        let out = try T2IBinary().run(["generate"] + arguments, in: folder)
        try #require(out.status == 0, "t2i generate \(arguments) failed: \(out.stderr)")
        return out
    }

    @Test("the same command twice gives identical bytes; the PNG records the settings")
    func deterministic() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Self.generate([Self.prompt, "--run", run.path, "--seed", "3", "--negative", "blue"], in: folder)
        #expect(first.stdout.contains("outputs/a-large-red-circle-in-the-center-on-a-white-background-s3.png"))
        let file = folder.appendingPathComponent("outputs/a-large-red-circle-in-the-center-on-a-white-background-s3.png")
        let bytes = try Data(contentsOf: file)
        try FileManager.default.removeItem(at: file)
        _ = try Self.generate([Self.prompt, "--run", run.path, "--seed", "3", "--negative", "blue"], in: folder)
        #expect(try Data(contentsOf: file) == bytes)
        let text = Dictionary(try Image.readPNGText(at: file).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(text["t2i:prompt"] == Self.prompt)
        #expect(text["t2i:negative_prompt"] == "blue")
        #expect(text["t2i:seed"] == "3")
        #expect(text["t2i:sampler"] == "ddim")
        #expect(text["t2i:steps"] == "10")  // tiny.yaml's sampling.steps
        #expect(text["t2i:guidance"] == "3.0")  // the default config's sampling.guidance, which tiny.yaml keeps
        #expect(text["t2i:model"] == run.path)
        #expect(text["parameters"]?.contains("Seed: 3") == true)
    }

    @Test("image i of --count 4 --seed 7 is the single image of --seed 7+i: same pixels, same file")
    func batchEqualsSingles() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.generate([Self.prompt, "--run", run.path, "--count", "4", "--seed", "7", "--out", "batch.png"], in: folder)
        for i in 0..<4 {
            _ = try Self.generate([Self.prompt, "--run", run.path, "--seed", "\(7 + i)", "--out", "single-\(7 + i).png"], in: folder)
            let fromBatch = folder.appendingPathComponent("batch-\(i).png")
            let single = folder.appendingPathComponent("single-\(7 + i).png")
            #expect(try Image.readPNG(at: fromBatch) == Image.readPNG(at: single), "image \(i): pixels differ")
            #expect(try Data(contentsOf: fromBatch) == Data(contentsOf: single), "image \(i): files differ")
        }
        #expect(try Image.readPNG(at: folder.appendingPathComponent("batch-0.png"))
                != Image.readPNG(at: folder.appendingPathComponent("batch-1.png")))
    }

    @Test("--from regenerates an image byte for byte, and a grid with its trajectory")
    func regenerate() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.generate([Self.prompt, "--run", run.path, "--count", "2", "--seed", "5", "--sampler", "euler_ancestral",
                               "--steps", "6", "--guidance", "2.5", "--out", "pic.png"], in: folder)
        let again = try Self.generate(["--from", "pic-1.png"], in: folder)
        #expect(again.stdout.contains("identical"))
        #expect(try Data(contentsOf: folder.appendingPathComponent("pic-1-regenerated.png"))
                == Data(contentsOf: folder.appendingPathComponent("pic-1.png")))

        let grid = try Self.generate(["a small blue square in the top left on a black background", "--run", run.path, "--count", "3",
                                      "--grid", "--trajectory", "--out", "grid.png"], in: folder)
        #expect(grid.stdout.contains("grid-trajectory.png"))
        let strip = try Image.readPNG(at: folder.appendingPathComponent("grid-trajectory.png"))
        #expect(strip.height == 3 * 16 + 4 && strip.width == 10 * 16 + 11)  // 3 rows, 10 frames of 16×16, padding 1
        let regrid = try Self.generate(["--from", "grid.png", "--out", "grid-again.png"], in: folder)
        #expect(regrid.stdout.contains("identical"))
        #expect(try Data(contentsOf: folder.appendingPathComponent("grid-again.png")) == Data(contentsOf: folder.appendingPathComponent("grid.png")))
    }

    @Test("bad input: a missing run folder, no model at all, a PNG without metadata, settings beside --from")
    func badInput() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try t2i.run(["generate", Self.prompt, "--run", "runs/nowhere"], in: folder)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("runs/nowhere"))
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")

        let none = try t2i.run(["generate", Self.prompt], in: folder)
        #expect(none.status != 0)
        #expect(none.stderr.contains("runs/shapes-32") && none.stderr.contains("train-encoder"))
        #expect(none.stderr.split(separator: "\n").count == 1, "\(none.stderr)")

        let plain = folder.appendingPathComponent("plain.png")
        try Image(width: 4, height: 4, format: .rgb).writePNG(to: plain)
        let noMetadata = try t2i.run(["generate", "--from", "plain.png"], in: folder)
        #expect(noMetadata.status != 0)
        #expect(noMetadata.stderr.contains("plain.png") && noMetadata.stderr.contains("t2i:prompt"))
        #expect(noMetadata.stderr.split(separator: "\n").count == 1, "\(noMetadata.stderr)")

        let both = try t2i.run(["generate", "--from", "plain.png", "--seed", "3"], in: folder)
        #expect(both.status != 0)
        #expect(both.stderr.contains("--seed"))
    }

    @Test("diffuse: a strip of the input and one frame per timestep; a wrong-size image is refused")
    func diffuse() throws {
        let run = try GenerateTinyRun.run()
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = run.deletingLastPathComponent().appendingPathComponent("data/000000.png")
        try FileManager.default.copyItem(at: data, to: folder.appendingPathComponent("in.png"))
        let out = try t2i.run(["diffuse", "in.png", "--run", run.path, "--timesteps", "0,250,999"], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        let strip = try Image.readPNG(at: folder.appendingPathComponent("in-forward.png"))
        #expect(strip.width == 4 * 16 + 5 && strip.height == 16 + 2)
        #expect(out.stdout.contains("999"))

        try Image(width: 20, height: 20, format: .rgb).writePNG(to: folder.appendingPathComponent("big.png"))
        let bad = try t2i.run(["diffuse", "big.png", "--run", run.path], in: folder)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("big.png") && bad.stderr.contains("16×16"))
    }
}

/// `t2i eval encoder` on the tiny run: retrieval, then the text-state spread of shapes captions.
@Suite("t2i eval encoder")
struct EvalEncoderCommandTests {
    @Test("prints retrieval and one spread line per caption attribute, each a finite number in [0, 2]")
    func spreadLines() throws {
        let run = try GenerateTinyRun.run()
        let out = try T2IBinary().run(["eval", "encoder", "--run", run.path], in: run.deletingLastPathComponent())
        try #require(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("text→image  top-1") })
        let header = try #require(lines.firstIndex { $0.hasPrefix("text states (what the U-Net attends to)") }, "\(out.stdout)")
        let names = ["colour", "shape", "size", "position", "background"]
        for (offset, name) in names.enumerated() {
            let fields = lines[header + 1 + offset].split(separator: " ")
            #expect(fields.first.map(String.init) == name, "\(lines[header + 1 + offset])")
            let value = fields.dropFirst().first.flatMap { Double($0) }
            #expect(value.map { $0 >= 0 && $0 <= 2 } == true, "\(lines[header + 1 + offset])")
        }
        // Then position by row and by column: two numbers in [0, 2].
        let split = lines[header + 1 + names.count]
        #expect(split.hasPrefix("  of position: same row (left/centre/right) "), "\(split)")
        let numbers = split.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .punctuationCharacters)) }
        #expect(numbers.count == 2 && numbers.allSatisfy { $0 >= 0 && $0 <= 2 }, "\(split)")
    }

    @Test("--clip-skip measures the states after fewer layers; more layers than the encoder has is one line naming them")
    func clipSkip() throws {
        let run = try GenerateTinyRun.run()
        let t2i = try T2IBinary()
        func colourLine(_ out: T2IBinary.Output) -> String? {
            out.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("  colour ") }
        }
        let last = try t2i.run(["eval", "encoder", "--run", run.path], in: run.deletingLastPathComponent())
        let skipped = try t2i.run(["eval", "encoder", "--run", run.path, "--clip-skip", "1"], in: run.deletingLastPathComponent())
        try #require(last.status == 0 && skipped.status == 0, "\(last.stderr)\(skipped.stderr)")
        #expect(skipped.stdout.contains("text states measured with clip skip 1"))
        #expect(!last.stdout.contains("clip skip"))
        // The tiny encoder has one layer: skipping it leaves the embeddings, whose colour spread differs.
        let a = try #require(colourLine(last)), b = try #require(colourLine(skipped))
        #expect(a != b, "\(a) / \(b)")
        let bad = try t2i.run(["eval", "encoder", "--run", run.path, "--clip-skip", "2"], in: run.deletingLastPathComponent())
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--clip-skip 2: the text encoder in \(run.path)/clip has 1 layer; give 0...1"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }
}

/// Starting a stage from scratch over earlier work is refused unless asked for (DESIGN §7).
@Suite("training over earlier work", .serialized)
struct RetrainRefusalTests {
    @Test("train-ae on a run whose autoencoder is trained, or whose checkpoint is saved, needs --resume or --restart")
    func refusesToReplaceTrainedStage() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("run")
        try FileManager.default.copyItem(at: run, to: copy)
        func snapshot() throws -> [String: Data] {
            var files: [String: Data] = [:]
            for path in try FileManager.default.subpathsOfDirectory(atPath: copy.path) {
                let url = copy.appendingPathComponent(path)
                if !url.hasDirectoryPath, let data = FileManager.default.contents(atPath: url.path) { files[path] = data }
            }
            return files
        }
        let before = try snapshot()
        let t2i = try T2IBinary()
        let trained = try t2i.run(["train-ae", "--run", "run"], in: folder)
        #expect(trained.status != 0)
        #expect(trained.stderr.contains("run/vae/config.json: the autoencoder of ") && trained.stderr.contains("is already trained; --restart trains it again"),
                "\(trained.stderr)")
        #expect(trained.stderr.split(separator: "\n").count == 1, "\(trained.stderr)")
        let both = try t2i.run(["train-unet", "--run", "run", "--resume", "--restart"], in: folder)
        #expect(both.status != 0 && both.stderr.contains("--resume and --restart exclude each other"), "\(both.stderr)")
        // An interrupted training (a checkpoint, no trained folder) is refused too.
        try FileManager.default.removeItem(at: copy.appendingPathComponent("unet"))
        let interrupted = try t2i.run(["train-unet", "--run", "run"], in: folder)
        #expect(interrupted.status != 0)
        #expect(interrupted.stderr.contains("run/state/unet.safetensors: an interrupted training of the U-Net is saved here"), "\(interrupted.stderr)")
        var after = try snapshot()
        after = after.filter { !$0.key.hasPrefix("unet/") }
        #expect(after == before.filter { !$0.key.hasPrefix("unet/") })
    }
}

/// The U-Net records the tokenizer it was trained with; a pipeline whose tokenizer changed since is refused.
@Suite("stale U-Net", .serialized)
struct StaleUNetTests {
    @Test("a tokenizer and text encoder from another run: generate names both files and asks for the U-Net to be retrained")
    func retrainedEncoderMakesUNetStale() throws {
        let run = try GenerateTinyRun.run()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("run")
        try FileManager.default.copyItem(at: run, to: copy)
        let t2i = try T2IBinary()
        let before = try t2i.run(["generate", "a red circle", "--run", "run", "--steps", "2", "--out", "before.png"], in: folder)
        #expect(before.status == 0, "\(before.stderr)")
        // Another run's text side (same width, another tokenizer) put in place of this run's.
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml").path
        let other = try t2i.run(["train-encoder", "--config", config, "--run", "other", "--set", "tokenizer.vocab_size=100",
                                 "--set", "data.count=128", "--set", "data.path=\(folder.appendingPathComponent("data").path)",
                                 "--set", "encoder_training.steps=3"], in: folder)
        try #require(other.status == 0, "\(other.stderr)")
        for part in ["tokenizer", "text_encoder"] {
            try FileManager.default.removeItem(at: copy.appendingPathComponent(part))
            try FileManager.default.copyItem(at: folder.appendingPathComponent("other/\(part)"), to: copy.appendingPathComponent(part))
        }
        let after = try t2i.run(["generate", "a red circle", "--run", "run", "--steps", "2", "--out", "after.png"], in: folder)
        #expect(after.status != 0)
        #expect(after.stderr.contains("run/tokenizer/tokenizer.model has SHA-256 ") && after.stderr.contains("run/unet/diffusion_pytorch_model.safetensors was trained with the tokenizer")
                && after.stderr.contains("retrain the U-Net"), "\(after.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("after.png").path))
    }
}

/// The dataset error's advice works on the stage commands: `--allow-bad` skips bad entries and the
/// run records it.
@Suite("--allow-bad on stages", .serialized)
struct AllowBadStageTests {
    @Test("train-encoder refuses a dataset with 10 % bad entries, pointing to --allow-bad; with it, trains and records it")
    func allowBad() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let t2i = try T2IBinary()
        let data = folder.appendingPathComponent("data")
        let made = try t2i.run(["data", "shapes", "--out", data.path, "--count", "60", "--size", "16"], in: folder)
        try #require(made.status == 0, "\(made.stderr)")
        let captions = data.appendingPathComponent("captions.jsonl")
        let bad = (0..<6).map { "{\"file\": \"gone-\($0).png\", \"text\": \"a red circle\"}\n" }.joined()
        try (try String(contentsOf: captions, encoding: .utf8) + bad).write(to: captions, atomically: true, encoding: .utf8)
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml").path
        let settings = ["--config", config, "--set", "data.kind=folder", "--set", "data.path=\(data.path)", "--set", "encoder_training.steps=2",
                        "--set", "encoder_training.batch_size=8"]
        let refused = try t2i.run(["train-encoder", "--run", "r1"] + settings, in: folder)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("6 of 66 entries are bad") && refused.stderr.contains("(--allow-bad skips them)"), "\(refused.stderr)")
        // The advice works on the same run, as the message gives it.
        let allowed = try t2i.run(["train-encoder", "--run", "r1", "--allow-bad"] + settings, in: folder)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let recorded = try String(contentsOf: folder.appendingPathComponent("r1/config.yaml"), encoding: .utf8)
        #expect(recorded.contains("allow_bad_entries: true"), "\(recorded)")
    }
}
