import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// `diffusion.clip_skip`: the U-Net conditions on the text encoder's states after fewer layers
/// (diffusers' `clip_skip`), the U-Net's weights record the value, and a pipeline takes it from them.
@Suite struct ClipSkipTests {
    static let tinyConfig = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml")

    /// Against transformers: `hidden_states[-(k + 1)]` through `final_layer_norm`, as
    /// `StableDiffusionPipeline.encode_prompt` computes it (scripts/fixtures/clip.py, `clip_skip`).
    @Test(arguments: Backends.names) func statesMatchTransformers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) {
            let x = try CLIPFixture.textInputs(CLIPFixture.golden())
            let expected = try SafetensorsFile(contentsOf: CLIPFixture.folder.appendingPathComponent("clip-skip.safetensors"))
            let text = try CLIPTextModel.load(from: CLIPFixture.model)
            #expect(text.textModel.config.numHiddenLayers == 2)
            for skip in 0...2 {
                let out = text.encode(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths, skip: skip)
                try CLIPFixture.expectClose(out.lastHiddenState, expected, "text.clip_skip_\(skip)")
            }
            // Skipping changes what the U-Net sees: the states after one layer are not the last ones.
            let last = text.encode(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths).lastHiddenState
            let one = text.encode(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths, skip: 1).lastHiddenState
            #expect(CLIPFixture.relativeError(one.scalars, last.scalars) > 0.1)
        }
    }

    @Test func configRefusesMoreLayersThanTheEncoderHas() throws {
        let c = try ConfigLoader.resolve(yaml: "", source: "x.yaml", overrides: ["diffusion.clip_skip=2"])
        #expect(c.diffusion.clipSkip == 2)
        #expect(try ConfigLoader.resolve(yaml: "", source: "x.yaml").diffusion.clipSkip == 3)
        let fewer = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "text_encoder:\n  num_hidden_layers: 2\n", source: "x.yaml")
        }
        #expect(fewer?.description == "x.yaml: diffusion.clip_skip: must be between 0 and text_encoder.num_hidden_layers (2), got 3 (the default, meant for the default 3-layer encoder: set it for this one)")
        #expect(try ConfigLoader.resolve(yaml: "text_encoder:\n  num_hidden_layers: 2\ndiffusion:\n  clip_skip: 2\n", source: "x.yaml").diffusion.clipSkip == 2)
        let tooMany = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "diffusion:\n  clip_skip: 4\n", source: "x.yaml")
        }
        #expect(tooMany?.description == "x.yaml: diffusion.clip_skip: must be between 0 and text_encoder.num_hidden_layers (3), got 4")
        let negative = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "", source: "x.yaml", overrides: ["diffusion.clip_skip=-1"])
        }
        #expect(negative?.key == "diffusion.clip_skip")
    }

    /// A run's config.yaml stores every key, so one without `diffusion.clip_skip` was made before the
    /// key existed, when every U-Net conditioned on the last layer: it keeps 0, not today's default.
    @Test func aRunMadeBeforeTheKeyKeepsTheLastLayer() throws {
        let run = RunFolder(try TestFiles.scratchFolder().appendingPathComponent("run"))
        try run.writeConfig(RunConfig())
        #expect(try run.readConfig()?.diffusion.clipSkip == 3)
        let yaml = try String(contentsOf: run.configFile, encoding: .utf8)
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let older = lines.filter { !$0.contains("clip_skip") }.joined(separator: "\n")
        try #require(lines.count == older.split(separator: "\n", omittingEmptySubsequences: false).count + 1)
        try Data(older.utf8).write(to: run.configFile)
        #expect(try run.readConfig()?.diffusion.clipSkip == 0)
        #expect(try run.readConfig(overrides: ["diffusion.clip_skip=2"])?.diffusion.clipSkip == 2)
        #expect(ConfigLoader.spellsOut("diffusion.clip_skip", in: yaml))
        #expect(!ConfigLoader.spellsOut("diffusion.clip_skip", in: older))
        #expect(!ConfigLoader.spellsOut("diffusion.clip_skip", in: "diffusion: [1, 2]"))
    }

    /// The saved U-Net records the value in its weights' metadata (nothing when 0), loading reads it
    /// back, and a pipeline built on that U-Net encodes prompts with it.
    @Test func weightsRecordItAndThePipelineUsesIt() throws {
        var config = try ConfigLoader.load(file: Self.tinyConfig)
        config.diffusion.clipSkip = 1
        let bench = try GenerationBenchmark(config: config)
        #expect(bench.pipeline.clipSkip == 1)
        let p = bench.pipeline
        let folder = try TestFiles.scratchFolder()
        try p.unet.save(to: folder.appendingPathComponent("skip1"), clipSkip: 1)
        try p.unet.save(to: folder.appendingPathComponent("skip0"))
        let metadata = try SafetensorsFile(contentsOf: folder.appendingPathComponent("skip1/\(UNet2DConditionModel.weightsFileName)")).metadata
        #expect(metadata[UNet2DConditionModel.clipSkipKey] == "1")
        let none = try SafetensorsFile(contentsOf: folder.appendingPathComponent("skip0/\(UNet2DConditionModel.weightsFileName)")).metadata
        #expect(none[UNet2DConditionModel.clipSkipKey] == nil)

        let loaded = try UNet2DConditionModel(contentsOf: folder.appendingPathComponent("skip1"))
        #expect(loaded.trainedClipSkip == 1)
        #expect(try UNet2DConditionModel(contentsOf: folder.appendingPathComponent("skip0")).trainedClipSkip == 0)
        let pipeline = try TextToImagePipeline(tokenizer: p.tokenizer, textEncoder: p.textEncoder, vae: p.vae, unet: loaded,
                                               scheduler: config.scheduler)
        #expect(pipeline.clipSkip == 1)
        let prompts = ["a large red circle in the center on a white background", "a small blue square"]
        var ids: [Int32] = []
        for prompt in prompts { ids += try p.tokenizer.encode(prompt, maxLength: pipeline.maxLength) }
        let lengths = p.textEncoder.textModel.keyLengths(ids: ids, batch: 2, length: pipeline.maxLength)
        let skipped = p.textEncoder.encode(ids: ids, batch: 2, length: pipeline.maxLength, keyLengths: lengths, skip: 1).lastHiddenState
        let all = p.textEncoder.encode(ids: ids, batch: 2, length: pipeline.maxLength, keyLengths: lengths).lastHiddenState
        let encoded = try pipeline.encode(prompts: prompts)
        #expect(encoded.hidden.scalars == skipped.scalars)
        #expect(encoded.hidden.scalars != all.scalars)
        #expect(encoded.lengths == lengths)

        // A U-Net recording more layers than the text encoder has is refused, naming both.
        let mismatch = #expect(throws: PipelineMismatchError.self) {
            try TextToImagePipeline(tokenizer: p.tokenizer, textEncoder: p.textEncoder, vae: p.vae, unet: loaded,
                                    scheduler: config.scheduler, clipSkip: 2)
        }
        #expect(mismatch?.description == "the U-Net was trained with clip skip 2, more layers than the text encoder has (1)")
    }

    @Test func unreadableMetadataNamesTheFile() throws {
        var config = try ConfigLoader.load(file: Self.tinyConfig)
        config.diffusion.clipSkip = 0
        let unet = try GenerationBenchmark(config: config).pipeline.unet
        let folder = try TestFiles.scratchFolder().appendingPathComponent("unet")
        try unet.save(to: folder)
        let weights = folder.appendingPathComponent(UNet2DConditionModel.weightsFileName)
        let file = try SafetensorsFile(contentsOf: weights)
        var writer = SafetensorsWriter(metadata: ["format": "pt", UNet2DConditionModel.clipSkipKey: "two"])
        for name in file.names { try writer.add(name, floats: try file.floats(name), shape: try file.info(name).shape) }
        try writer.write(to: weights)
        let error = #expect(throws: ConfigError.self) { try UNet2DConditionModel(contentsOf: folder) }
        #expect(error?.description == "\(weights.path): t2i_clip_skip: metadata is \"two\", not a layer count (0...64)")
    }
}
