import Foundation
import Testing
import TensorCore
import NN
import Datasets
import Diffusion

/// Raises an interrupt once the trainer reports `step`, as Ctrl-C would between steps.
final class InterruptAtStep: TrainingObserver {
    let flag: InterruptFlag
    let step: Int
    init(flag: InterruptFlag, step: Int) {
        self.flag = flag
        self.step = step
    }
    func didStep(_ report: StepReport) {
        if report.step == step { flag.raise() }
    }
    func note(_ message: String) {}
}

@Suite struct TextEncoderStageTests {
    /// A 64-image 8×8 shapes dataset in a fresh folder (data.kind folder).
    static func dataset() throws -> URL {
        let folder = try TestFiles.scratchFolder().appendingPathComponent("data")
        _ = try ShapesGenerator(size: 8, seed: 1).write(count: 64, to: folder)
        return folder
    }

    /// A tiny CLIP (hidden 32, 1 layer, 2 heads, MLP 64, image 8, patch 4, projection 16) on `data`.
    static func config(data: URL, steps: Int = 20, extra: [String] = []) throws -> RunConfig {
        let tower = ["hidden_size=32", "num_hidden_layers=1", "num_attention_heads=2", "intermediate_size=64"]
        return try ConfigLoader.resolve(yaml: "", source: "test", overrides: [
            "data.kind=folder", "data.path=\(data.path)", "data.size=8", "data.validation_per_mille=250",
            "tokenizer.vocab_size=64", "tokenizer.max_length=16", "text_encoder.max_position_embeddings=16",
            "vision_encoder.image_size=8", "vision_encoder.patch_size=4", "clip.projection_dim=16",
            "encoder_training.batch_size=8", "encoder_training.steps=\(steps)", "encoder_training.warmup_steps=2",
            "encoder_training.learning_rate=0.003", "encoder_training.log_every=1", "encoder_training.checkpoint_every=5",
            "diffusion.clip_skip=0",
        ] + tower.map { "text_encoder." + $0 } + tower.map { "vision_encoder." + $0 } + extra)
    }

    static func train(_ config: RunConfig, run: URL, resume: Bool = false, interruptAt: Int? = nil) throws -> TextEncoderStage.Report {
        let flag = InterruptFlag(catching: false)
        let observer = interruptAt.map { InterruptAtStep(flag: flag, step: $0) }
        return try TextEncoderStage.train(config: config, run: RunFolder(run), resume: resume, interrupt: flag, observer: observer)
    }

    static func logLines(_ run: URL) throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("logs/encoder.jsonl"), encoding: .utf8)
            .split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func trainsEndToEndAndWritesTheRunFolder() throws {
        let data = try Self.dataset()
        let run = try TestFiles.scratchFolder()
        let report = try Self.train(Self.config(data: data, steps: 40), run: run)
        #expect(report.outcome == .finished)
        #expect(report.step == 40 && report.startStep == 0)
        let fm = FileManager.default
        for file in ["config.yaml", "tokenizer/tokenizer.model", "tokenizer/tokenizer_config.json",
                     "text_encoder/config.json", "text_encoder/model.safetensors", "clip/config.json", "clip/model.safetensors",
                     "logs/encoder.jsonl", "logs/encoder-eval.json", "state/encoder.safetensors", "state/encoder-config.yaml"] {
            #expect(fm.fileExists(atPath: run.appendingPathComponent(file).path), "missing \(file)")
        }
        let lines = try Self.logLines(run)
        #expect(lines.count == 40)
        for key in ["step", "loss", "lr", "grad_norm", "images_per_second"] { #expect(lines.first?[key] != nil, "log lacks \(key)") }
        // The loss goes down: the last 10 steps against the first 10.
        let losses = lines.compactMap { $0["loss"] as? Double }
        let first = losses.prefix(10).reduce(0, +) / 10, last = losses.suffix(10).reduce(0, +) / 10
        #expect(last < first - 0.2, "loss went from \(first) to \(last)")

        // The validation split (~16 of 64 at 250 ‰) is one batch, smaller than 64.
        let scores = try #require(report.scores)
        #expect(scores.batches == 1 && scores.batchSize > 0 && scores.batchSize < 64)
        #expect(scores.textToImage.top5 >= scores.textToImage.top1)
        #expect(scores.textToImage.top1 >= scores.textToImage.strictTop1)

        // The saved folders load, and `t2i eval encoder`'s path gives the same scores.
        let textEncoder = try CLIPTextModel.load(from: run.appendingPathComponent("text_encoder"))
        #expect(textEncoder.textModel.vocabularySize == report.vocabularySize)
        #expect(try TextEncoderStage.evaluate(run: RunFolder(run)).retrieval == scores)

        let tokenizerConfig = try JSONSerialization.jsonObject(
            with: Data(contentsOf: run.appendingPathComponent("tokenizer/tokenizer_config.json"))) as? [String: Any]
        #expect(tokenizerConfig?["tokenizer_class"] as? String == TextEncoderStage.tokenizerClass)
        #expect(tokenizerConfig?["model_max_length"] as? Int == 16)
        #expect(tokenizerConfig?["eos_token"] as? String == "</s>")
    }

    @Test func interruptedAndResumedRunEqualsUninterruptedRun() throws {
        let data = try Self.dataset()
        let config = try Self.config(data: data, steps: 12)
        let straight = try TestFiles.scratchFolder()
        let a = try Self.train(config, run: straight)
        let resumed = try TestFiles.scratchFolder()
        let b = try Self.train(config, run: resumed, interruptAt: 7)
        #expect(b.outcome == .interrupted(step: 7))
        #expect(b.scores == nil)
        #expect(!FileManager.default.fileExists(atPath: resumed.appendingPathComponent("clip").path))
        let c = try Self.train(config, run: resumed, resume: true)
        #expect(c.outcome == .finished && c.startStep == 7 && c.step == 12)
        for file in ["clip/model.safetensors", "text_encoder/model.safetensors", "tokenizer/tokenizer.model"] {
            let x = try Data(contentsOf: straight.appendingPathComponent(file))
            let y = try Data(contentsOf: resumed.appendingPathComponent(file))
            #expect(x == y, "\(file) differs after resume")
        }
        #expect(a.scores == c.scores)
        #expect(try Self.logLines(resumed).count == 12)
    }

    @Test func conflictingSettingsAreRefusedNamingTheKey() throws {
        let data = try Self.dataset()
        let run = try TestFiles.scratchFolder()
        _ = try Self.train(Self.config(data: data, steps: 2), run: run)

        // Another config for the same run.
        let other = try Self.config(data: data, steps: 2, extra: ["tokenizer.vocab_size=48"])
        let error = #expect(throws: ConfigError.self) { _ = try Self.train(other, run: run) }
        #expect(error?.key == "tokenizer.vocab_size")
        #expect(error?.source == run.appendingPathComponent("config.yaml").path)
        #expect(error?.description.contains("is 64 in this run but 48") == true)

        // The run's config.yaml rewritten (as `--set` on an existing run does): the record of what
        // the encoder was trained with still refuses it.
        try RunFolder(run).writeConfig(other)
        let again = #expect(throws: ConfigError.self) { _ = try Self.train(other, run: run) }
        #expect(again?.key == "tokenizer.vocab_size")
        #expect(again?.source.hasSuffix("state/encoder-config.yaml") == true)
        #expect(again?.description.contains("trained with 64 but the config now gives 48") == true)

        // Keys of other stages are not the encoder's business.
        try RunFolder(run).writeConfig(try Self.config(data: data, steps: 2))
        let unetChanged = try Self.config(data: data, steps: 2, extra: ["unet_training.steps=7"])
        #expect(try Self.train(unetChanged, run: run).outcome == .finished)
    }

    @Test func missingDatasetFolderIsNamed() throws {
        let missing = try TestFiles.scratchFolder().appendingPathComponent("no-such-data")
        let config = try Self.config(data: missing)
        do {
            _ = try Self.train(config, run: TestFiles.scratchFolder())
            Issue.record("training on a missing dataset did not fail")
        } catch {
            #expect(String(describing: error).contains(missing.path), "error does not name the folder: \(error)")
            #expect(!String(describing: error).contains("\n"))
        }
    }

    @Test func inconsistentConfigIsRefusedNamingTheKey() throws {
        let data = try Self.dataset()
        let error = #expect(throws: ConfigError.self) {
            _ = try Self.train(Self.config(data: data, extra: ["vision_encoder.image_size=16"]), run: TestFiles.scratchFolder())
        }
        #expect(error?.key == "vision_encoder.image_size")
        let tooLong = #expect(throws: ConfigError.self) {
            _ = try Self.train(Self.config(data: data, extra: ["tokenizer.max_length=40"]), run: TestFiles.scratchFolder())
        }
        #expect(tooLong?.key == "tokenizer.max_length")
        let badType = #expect(throws: ConfigError.self) {
            _ = try Self.train(Self.config(data: data, extra: ["tokenizer.model_type=wordpiece"]), run: TestFiles.scratchFolder())
        }
        #expect(badType?.key == "tokenizer.model_type")
    }

    @Test func analyticFLOPsMatchWhatTheEngineCounts() throws {
        let config = try Self.config(data: URL(fileURLWithPath: "/nonexistent"))
        var bench = try TextEncoderStage.Benchmark(config: config, vocabularySize: 64, batchSize: 8)
        let step = bench.step()
        let analytic = TextEncoderStage.FLOPs(config: config, batchSize: 8).trainingStep
        // The engine skips the pixels' gradient (the patch conv's input needs none): within 2 %.
        #expect(abs(Double(step.countedFLOPs) - analytic) / analytic < 0.02, "counted \(step.countedFLOPs), analytic \(analytic)")
        #expect(step.loss.isFinite)
    }
}
