import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// The default-config U-Net (DESIGN §3): shapes, parameter names and count, initialisation, model
/// folders and strict loading.
@Suite struct UNetModelTests {
    static func defaultModel(seed: UInt64 = 3) throws -> UNet2DConditionModel {
        var generator = Philox(seed: seed)
        return try UNet2DConditionModel(config: UNetConfig(), generator: &generator)
    }

    static func normal(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = Philox(seed: seed)
        return generator.normal(shape)
    }

    /// A copy of the tiny fixture folder with `config.json` edited as a JSON object.
    static func editedFixture(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let folder = try TestFiles.scratchFolder()
        for name in [UNet2DConditionModel.configFileName, UNet2DConditionModel.weightsFileName] {
            try FileManager.default.copyItem(at: UNetGoldenTests.folder.appendingPathComponent(name),
                                             to: folder.appendingPathComponent(name))
        }
        let configURL = folder.appendingPathComponent(UNet2DConditionModel.configFileName)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        return folder
    }

    @Test func defaultConfigHasDiffusersParameterCount() throws {
        let model = try Self.defaultModel()
        // diffusers UNet2DConditionModel with the same config: `python scripts/fixtures/unet.py --count`.
        #expect(model.parameterCount == 6_272_708)
        let names = model.namedParameters().map(\.name)
        #expect(names.count == 434)
        #expect(Set(names).count == names.count)
        #expect(names.contains("down_blocks.0.downsamplers.0.conv.weight"))
        #expect(!names.contains { $0.hasPrefix("down_blocks.1.downsamplers") })
        #expect(names.contains("up_blocks.0.upsamplers.0.conv.weight"))
        #expect(!names.contains { $0.hasPrefix("up_blocks.1.upsamplers") })
        #expect(names.contains("up_blocks.0.resnets.2.conv_shortcut.weight"))
        #expect(names.contains("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight"))
        #expect(names.contains("down_blocks.1.attentions.1.transformer_blocks.0.attn2.to_out.0.bias"))
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter.shape) })
        #expect(shapes["time_embedding.linear_1.weight"] == [256, 64])
        #expect(shapes["up_blocks.0.resnets.0.conv1.weight"] == [128, 256, 3, 3])
        #expect(shapes["up_blocks.0.resnets.2.conv1.weight"] == [128, 192, 3, 3])
        #expect(shapes["up_blocks.1.resnets.0.conv1.weight"] == [64, 192, 3, 3])
        #expect(shapes["up_blocks.1.resnets.1.conv1.weight"] == [64, 128, 3, 3])
        #expect(shapes["down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"] == [64, 128])
        #expect(shapes["down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight"] == [512, 64])
        #expect(shapes["down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight"] == [64, 256])
    }

    @Test func defaultConfigForwardShapeAndZeroInitialisedOutput() throws {
        let model = try Self.defaultModel()
        let sample = Self.normal([3, 4, 8, 8], seed: 1)
        let context = Self.normal([3, 32, 128], seed: 2)
        let out = model(sample, timesteps: [0, 500, 999], context: context, contextLengths: [5, 32, 1])
        #expect(out.shape == [3, 4, 8, 8])
        // conv_out starts at zero, so the fresh network predicts zero (LDM's zero_module).
        #expect(out.scalars.allSatisfy { $0 == 0 })
        #expect(model.convOut.weight.value.scalars.allSatisfy { $0 == 0 })
        let projOut = model.namedParameters().filter { $0.name.contains("proj_out") }
        #expect(projOut.count == 2 * (2 * 2 + 1 + 2 * 3))  // weight and bias of each of 11 transformers
        #expect(projOut.allSatisfy { $0.parameter.value.scalars.allSatisfy { $0 == 0 } })
        // Everything else is random (non-zero).
        #expect(model.convIn.weight.value.scalars.contains { $0 != 0 })
    }

    @Test func batchItemsAreIndependent() throws {
        // With a non-zero output layer, item b of a batch equals the item run alone.
        let model = try UNet2DConditionModel(contentsOf: UNetGoldenTests.folder)
        let sample = Self.normal([2, 4, 8, 8], seed: 4), context = Self.normal([2, 5, 16], seed: 5)
        let both = model(sample, timesteps: [7, 300], context: context, contextLengths: [2, 5])
        let second = model(sample.slice(rows: 1..<2), timesteps: [300], context: context.slice(rows: 1..<2), contextLengths: [5])
        #expect(UNetGoldenTests.relativeError(both.slice(rows: 1..<2), second) < 1e-5)
    }

    @Test func saveAndLoadRoundTrips() throws {
        let model = try UNet2DConditionModel(contentsOf: UNetGoldenTests.folder)
        let folder = try TestFiles.scratchFolder().appendingPathComponent("unet")
        try model.save(to: folder)
        let loaded = try UNet2DConditionModel(contentsOf: folder)
        #expect(loaded.config == model.config)
        for ((name, a), (_, b)) in zip(model.namedParameters(), loaded.namedParameters()) {
            #expect(a.value.scalars == b.value.scalars, "\(name)")
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(json["_class_name"] as? String == "UNet2DConditionModel")
        #expect(json["attention_head_dim"] as? Int == 2)
        #expect(json["block_out_channels"] as? [Int] == [16, 32])
        #expect(json["mid_block_type"] as? String == "UNetMidBlock2DCrossAttn")
        #expect(json["use_linear_projection"] as? Bool == true)
        // Exactly the fields diffusers' save_config writes (every __init__ argument, _class_name, _diffusers_version).
        let reference = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: UNetGoldenTests.folder.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(Set(json.keys) == Set(reference.keys))
    }

    @Test func strictLoadNamesMissingUnusedAndMisshapedKeys() throws {
        let source = try SafetensorsFile(contentsOf: UNetGoldenTests.folder.appendingPathComponent(UNet2DConditionModel.weightsFileName))
        let folder = try Self.editedFixture { _ in }
        var writer = SafetensorsWriter()
        for name in source.names where name != "mid_block.resnets.0.conv1.bias" {
            let shape = name == "conv_in.weight" ? [16, 4, 1, 9] : try source.info(name).shape
            try writer.add(name, floats: try source.floats(name), shape: shape)
        }
        try writer.add("mid_block.extra.weight", floats: [1], shape: [1])
        try writer.write(to: folder.appendingPathComponent(UNet2DConditionModel.weightsFileName))
        do {
            _ = try UNet2DConditionModel(contentsOf: folder)
            Issue.record("loading a mismatched checkpoint succeeded")
        } catch let error as StateLoadError {
            #expect(error.missing == ["mid_block.resnets.0.conv1.bias"])
            #expect(error.unused == ["mid_block.extra.weight"])
            #expect(error.mismatched == [.init(name: "conv_in.weight", expected: [16, 4, 3, 3], found: [16, 4, 1, 9])])
            #expect(error.description.contains("mid_block.resnets.0.conv1.bias"))
            #expect(error.description.contains(UNet2DConditionModel.weightsFileName))
        }
    }

    @Test(arguments: [
        ("mid_block_type", "\"UNetMidBlock2DSimpleCrossAttn\""),
        ("act_fn", "\"gelu\""),
        ("down_block_types", "[\"DownBlock2D\", \"CrossAttnDownBlock2D\"]"),
        ("attention_head_dim", "3"),
        ("layers_per_block", "[1, 2]"),
        ("use_linear_projection", "1"),
        ("class_embed_type", "\"timestep\""),
        ("brand_new_field", "true"),
    ])
    func unsupportedConfigNamesTheKey(_ key: String, _ json: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let folder = try Self.editedFixture { $0[key] = value }
        do {
            _ = try UNet2DConditionModel(contentsOf: folder)
            Issue.record("loading with \(key) = \(json) succeeded")
        } catch let error as ConfigError {
            #expect(error.key == key, "\(error)")
            #expect(error.source.hasSuffix("config.json"))
        }
    }

    @Test func diffusersDefaultsFillMissingFields() throws {
        // Fields diffusers' save_config always writes may be absent from hand-written configs.
        let folder = try Self.editedFixture { json in
            for key in ["act_fn", "mid_block_type", "dropout", "norm_eps", "num_attention_heads", "_diffusers_version"] {
                json.removeValue(forKey: key)
            }
        }
        let model = try UNet2DConditionModel(contentsOf: folder)
        #expect(model.config.normNumGroups == 8)
    }

    @Test func runConfigValidationNamesTheKey() throws {
        var config = UNetConfig()
        config.upBlockTypes = ["CrossAttnUpBlock2D", "UpBlock2D"]
        #expect(throws: ConfigError(source: "config", key: "unet.up_block_types",
                                    "'UpBlock2D' is not supported (t2i builds CrossAttnUpBlock2D only)")) {
            try config.validate()
        }
        config = UNetConfig()
        config.normNumGroups = 24
        #expect(throws: ConfigError.self) { try config.validate() }
        config = UNetConfig()
        config.blockOutChannels = [64, 128, 128]
        #expect(throws: ConfigError.self) { try config.validate() }  // three blocks need matching block type lists
        config.downBlockTypes = Array(repeating: "CrossAttnDownBlock2D", count: 3)
        config.upBlockTypes = Array(repeating: "CrossAttnUpBlock2D", count: 3)
        try config.validate()
    }
}
