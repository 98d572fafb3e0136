import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// diffusers model folders: writing, strict reading, and the errors a bad folder gives.
@Suite struct AutoencoderFolderTests {
    static let fixture = TestFiles.fixtures.appendingPathComponent("autoencoder/tiny")

    static func smallConfig() -> AutoencoderConfig {
        var config = AutoencoderConfig()
        config.blockOutChannels = [8, 16]
        config.normNumGroups = 4
        config.sampleSize = 16
        return config
    }

    /// A copy of the fixture folder whose config.json is `edit`ed (as a JSON object).
    static func editedFixture(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let folder = try TestFiles.scratchFolder()
        let weights = AutoencoderKL.weightsFileName, config = AutoencoderKL.configFileName
        try FileManager.default.copyItem(at: fixture.appendingPathComponent(weights), to: folder.appendingPathComponent(weights))
        let data = try Data(contentsOf: fixture.appendingPathComponent(config))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent(config))
        return folder
    }

    @Test func savedFolderLoadsBackExactly() throws {
        var g = Philox(seed: 5)
        let model = try AutoencoderKL(config: Self.smallConfig(), generator: &g)
        model.scalingFactor = 0.37
        let folder = try TestFiles.scratchFolder().appendingPathComponent("vae")
        try model.save(to: folder)
        let loaded = try AutoencoderKL(contentsOf: folder)
        #expect(loaded.config == model.config)
        #expect(loaded.scalingFactor == 0.37)
        for ((name, a), (_, b)) in zip(model.namedParameters(), loaded.namedParameters()) {
            #expect(a.value.scalars == b.value.scalars, "\(name)")
        }
        // The config.json holds every field diffusers' AutoencoderKL.__init__ takes.
        let data = try Data(contentsOf: folder.appendingPathComponent(AutoencoderKL.configFileName))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == [
            "_class_name", "_diffusers_version", "act_fn", "block_out_channels", "down_block_types", "force_upcast",
            "in_channels", "latent_channels", "latents_mean", "latents_std", "layers_per_block",
            "mid_block_add_attention", "norm_num_groups", "out_channels", "sample_size", "scaling_factor",
            "shift_factor", "up_block_types", "use_post_quant_conv", "use_quant_conv",
        ])
        #expect(json["_class_name"] as? String == "AutoencoderKL")
        #expect(json["down_block_types"] as? [String] == ["DownEncoderBlock2D", "DownEncoderBlock2D"])
        #expect(json["up_block_types"] as? [String] == ["UpDecoderBlock2D", "UpDecoderBlock2D"])
        #expect(json["shift_factor"] is NSNull)
        #expect((json["scaling_factor"] as? NSNumber)?.doubleValue == 0.37)
        let file = try SafetensorsFile(contentsOf: folder.appendingPathComponent(AutoencoderKL.weightsFileName))
        #expect(file.metadata["format"] == "pt")
    }

    @Test func strictLoadNamesTheFileAndTheKeys() throws {
        let source = try SafetensorsFile(contentsOf: Self.fixture.appendingPathComponent(AutoencoderKL.weightsFileName))
        let folder = try TestFiles.scratchFolder()
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent(AutoencoderKL.configFileName),
                                         to: folder.appendingPathComponent(AutoencoderKL.configFileName))
        var writer = SafetensorsWriter()
        for name in source.names {
            let info = try source.info(name)
            switch name {
            case "encoder.conv_in.weight":  // renamed: one missing key, one unused key
                try writer.add("encoder.conv_in.weights", floats: source.floats(name), shape: info.shape)
            case "decoder.conv_out.bias":   // wrong shape
                try writer.add(name, floats: [0, 0, 0, 0], shape: [4])
            default:
                try writer.add(name, floats: source.floats(name), shape: info.shape)
            }
        }
        let weights = folder.appendingPathComponent(AutoencoderKL.weightsFileName)
        try writer.write(to: weights)
        let error = #expect(throws: StateLoadError.self) { try AutoencoderKL(contentsOf: folder) }
        #expect(error?.missing == ["encoder.conv_in.weight"])
        #expect(error?.unused == ["encoder.conv_in.weights"])
        #expect(error?.mismatched == [.init(name: "decoder.conv_out.bias", expected: [3], found: [4])])
        let text = error?.description ?? ""
        #expect(text.hasPrefix(weights.path + ": "))
        #expect(text.contains("encoder.conv_in.weight") && text.contains("decoder.conv_out.bias"))
    }

    @Test func missingFilesNameThePath() throws {
        let empty = try TestFiles.scratchFolder()
        let error = #expect(throws: ConfigError.self) { try AutoencoderKL(contentsOf: empty) }
        #expect(error?.source == empty.appendingPathComponent("config.json").path)
        let noWeights = try TestFiles.scratchFolder()
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent(AutoencoderKL.configFileName),
                                         to: noWeights.appendingPathComponent(AutoencoderKL.configFileName))
        let missing = #expect(throws: SafetensorsError.self) { try AutoencoderKL(contentsOf: noWeights) }
        #expect(missing?.path == noWeights.appendingPathComponent(AutoencoderKL.weightsFileName).path)
    }

    /// Each bad config.json is rejected with the file and the key it got wrong.
    @Test(arguments: [
        ("_class_name", "UNet2DConditionModel"),
        ("down_block_types", "attention"),
        ("up_block_types", "short"),
        ("norm_num_groups", "3"),
        ("latent_channels", "absent"),
        ("mid_block_add_attention", "false"),
        ("act_fn", "gelu"),
        ("block_out_channels", "string"),
    ])
    func badConfigNamesTheKey(_ key: String, _ change: String) throws {
        let folder = try Self.editedFixture { json in
            switch (key, change) {
            case ("down_block_types", _): json[key] = ["DownEncoderBlock2D", "AttnDownEncoderBlock2D", "DownEncoderBlock2D"]
            case ("up_block_types", _): json[key] = ["UpDecoderBlock2D", "UpDecoderBlock2D"]
            case ("norm_num_groups", _): json[key] = 3
            case ("mid_block_add_attention", _): json[key] = false
            case (_, "absent"): json[key] = nil
            case ("block_out_channels", _): json[key] = "8, 16, 16"
            default: json[key] = change
            }
        }
        let error = #expect(throws: ConfigError.self) { try AutoencoderKL(contentsOf: folder) }
        #expect(error?.source == folder.appendingPathComponent("config.json").path)
        #expect(error?.key == key, "\(error?.description ?? "no error")")
    }

    @Test func invalidConfigIsRejectedBeforeBuilding() {
        var config = AutoencoderConfig()
        config.normNumGroups = 24
        var g = Philox(seed: 1)
        let error = #expect(throws: ConfigError.self) { try AutoencoderKL(config: config, generator: &g) }
        #expect(error?.key == "norm_num_groups")
        config = AutoencoderConfig()
        config.blockOutChannels = []
        #expect(throws: ConfigError.self) { try AutoencoderKL(config: config, generator: &g) }
    }

    /// Swift → Python: with `T2I_VAE_EXPORT=DIR`, writes DIR/vae (a default-config model, random
    /// init), DIR/reference.safetensors (x, z and t2i's mean, logvar, decoded) and DIR/names.txt
    /// (parameter order) for `python scripts/fixtures/autoencoder.py --check DIR`.
    @Test("needs T2I_VAE_EXPORT=DIR: writes files for the Python check", .enabled(if: ProcessInfo.processInfo.environment["T2I_VAE_EXPORT"] != nil))
    func exportForDiffusers() throws {
        let dir = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["T2I_VAE_EXPORT"]))
        var g = Philox(seed: 2024)
        let model = try AutoencoderKL(config: AutoencoderConfig(), generator: &g)
        // Non-default norms, so that a loader that skipped them would show in the outputs.
        for (name, p) in model.namedParameters() where name.contains("norm") {
            let noise = Initialization.uniform(shape: p.shape, bound: 0.5, generator: &g)
            p.value = name.hasSuffix("weight") ? noise + 1 : noise
        }
        model.scalingFactor = 0.25
        try model.save(to: dir.appendingPathComponent("vae"))
        let x = AutoencoderShapeTests.uniform([2, 3, 32, 32], seed: 11)
        let posterior = model.encode(x)
        var noise = Philox(seed: 12)
        let z = posterior.sample(generator: &noise)
        let decoded = model.decode(z)
        var writer = SafetensorsWriter(metadata: ["writer": "AutoencoderFolderTests.exportForDiffusers"])
        for (name, t) in [("x", x), ("z", z), ("mean", posterior.mean), ("logvar", posterior.logvar), ("decoded", decoded)] {
            try writer.add(name, t)
        }
        try writer.write(to: dir.appendingPathComponent("reference.safetensors"))
        let names = model.namedParameters().map(\.name).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(names.utf8), to: dir.appendingPathComponent("names.txt"))
        // And t2i reads its own folder back to the same outputs.
        let loaded = try AutoencoderKL(contentsOf: dir.appendingPathComponent("vae"))
        #expect(loaded.decode(z).scalars == decoded.scalars)
    }
}
