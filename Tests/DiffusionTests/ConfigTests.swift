import Foundation
import Testing
import Datasets
import Diffusion

@Suite struct ConfigTests {
    @Test func emptyFileGivesTheDefaults() throws {
        #expect(try ConfigLoader.resolve(yaml: "", source: "x.yaml") == RunConfig())
    }

    @Test func fileOverridesOnlyTheKeysItNames() throws {
        let yaml = """
            seed: 7
            unet:
              layers_per_block: 1
              block_out_channels: [32, 64]
            """
        let c = try ConfigLoader.resolve(yaml: yaml, source: "x.yaml")
        #expect(c.seed == 7)
        #expect(c.unet.layersPerBlock == 1)
        #expect(c.unet.blockOutChannels == [32, 64])
        #expect(c.unet.crossAttentionDim == 128)
        #expect(c.vae == AutoencoderConfig())
    }

    @Test func setOverridesWithTypeChecking() throws {
        let c = try ConfigLoader.resolve(yaml: "", source: "x.yaml",
                                         overrides: ["unet.layers_per_block=1", "vae_training.learning_rate=2e-4", "sampling.sampler=dpmpp_2m"])
        #expect(c.unet.layersPerBlock == 1)
        #expect(c.vaeTraining.learningRate == 2e-4)
        #expect(c.sampling.sampler == "dpmpp_2m")
        let bad = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "", source: "x.yaml", overrides: ["unet.layers_per_block=two"])
        }
        #expect(bad?.key == "unet.layers_per_block")
        #expect(bad?.description == "x.yaml with --set: unet.layers_per_block: expected an integer")
    }

    @Test func unknownKeyInFileNamesItAndSuggestsTheClosest() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "unet:\n  layer_per_block: 1\n", source: "Configs/mine.yaml")
        }
        #expect(error?.description == "Configs/mine.yaml: unet.layer_per_block: unknown key (did you mean 'unet.layers_per_block'?)")
    }

    @Test func unknownKeyInSetIsAnError() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "", source: "x.yaml", overrides: ["unet.heads=8"])
        }
        #expect(error?.source == "--set")
        #expect(error?.key == "unet.heads")
    }

    @Test func unknownTopLevelKeyListsTheKnownOnes() {
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.resolve(yaml: "trainer: {}", source: "x.yaml") }
        #expect(error?.key == "trainer")
        #expect(error?.message.contains("unet_training") == true)
    }

    @Test func sectionGivenAValueAndValueGivenASection() {
        let a = #expect(throws: ConfigError.self) { try ConfigLoader.resolve(yaml: "unet: 3", source: "x.yaml") }
        #expect(a?.key == "unet")
        let b = #expect(throws: ConfigError.self) { try ConfigLoader.resolve(yaml: "seed: {a: 1}", source: "x.yaml") }
        #expect(b?.key == "seed")
    }

    @Test func malformedSetAndYAML() {
        let a = #expect(throws: ConfigError.self) { try ConfigLoader.resolve(yaml: "", source: "x.yaml", overrides: ["seed"]) }
        #expect(a?.description == "--set: 'seed' is not of the form key=value")
        let b = #expect(throws: ConfigError.self) { try ConfigLoader.resolve(yaml: "unet: [1, 2", source: "x.yaml") }
        #expect(b?.description.hasPrefix("x.yaml: not valid YAML") == true)
    }

    @Test func missingFileIsNamed() {
        let url = URL(fileURLWithPath: "/nonexistent/run.yaml")
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(file: url) }
        #expect(error?.description == "/nonexistent/run.yaml: no such config file")
    }

    @Test func duplicatedKeyIsOneShortLineWithItsPlace() {
        let yaml = "seed: 0\nunet:\n  layers_per_block: 1\n  block_out_channels: [32, 32]\n  layers_per_block: 2\n" + String(repeating: "# filler\n", count: 50)
        #expect(throws: ConfigError(source: "x.yaml", key: nil,
                                    "not valid YAML: Parser: expected all keys to be unique but found the following duplicated key(s): 'layers_per_block'. (line 3, column 3)")) {
            try ConfigLoader.resolve(yaml: yaml, source: "x.yaml")
        }
    }

    @Test func excludeIsValidatedNamingTheKey() throws {
        func message(_ yaml: String) -> String? {
            do {
                try ConfigLoader.resolve(yaml: yaml, source: "x.yaml").validate(source: "x.yaml")
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message("data:\n  exclude: [green triangle, red square]\n") == nil)
        let config = try ConfigLoader.resolve(yaml: "data:\n  exclude: [green triangle, 'red  square']\n", source: "x.yaml")
        #expect(config.data.excludedCombinations == [ShapeCombination(colour: .green, shape: .triangle), ShapeCombination(colour: .red, shape: .square)])
        #expect(message("data:\n  exclude: [green hexagon]\n")?.hasPrefix("x.yaml: data.exclude: 'green hexagon' is not a colour and a shape, e.g. 'green triangle' (colours: red, green") == true,
                "\(message("data:\n  exclude: [green hexagon]\n") ?? "nil")")
        #expect(message("data:\n  kind: folder\n  exclude: [green triangle]\n") == "x.yaml: data.exclude: applies to generated shapes data only (data.kind is 'folder')")
        let allButRed = ShapeCombination.all.filter { $0.colour != .red }.map { "'\($0)'" }.joined(separator: ", ")
        #expect(message("data:\n  exclude: [\(allButRed)]\n") == "x.yaml: data.exclude: leave only red objects, and two-object scenes need two colours (or set the two-object fraction to 0)")
        #expect(message("data:\n  two_object_fraction: 0\n  exclude: [\(allButRed)]\n") == nil)
    }

    @Test func yamlRoundTrips() throws {
        var c = RunConfig()
        c.unet.layersPerBlock = 1
        c.sampling.previewPrompts = ["a: tricky prompt", "with \"quotes\""]
        #expect(try ConfigLoader.resolve(yaml: ConfigLoader.yaml(c), source: "x") == c)
    }
}

@Suite struct ShippedConfigTests {
    static let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Configs")

    @Test func defaultConfigFileEqualsTheBuiltInDefaults() throws {
        let c = try ConfigLoader.load(file: Self.configs.appendingPathComponent("shapes-32.yaml"))
        #expect(c == RunConfig())
    }

    /// The shipped model is the default config trained: its U-Net conditions on the states the
    /// default names (`generate` takes the value from the U-Net, so a mismatch would go unnoticed).
    @Test func shippedUNetRecordsTheDefaultClipSkip() throws {
        let unet = TestFiles.shippedModel.appendingPathComponent("unet")
        try #require(FileManager.default.fileExists(atPath: unet.appendingPathComponent("config.json").path), "\(unet.path) holds no U-Net")
        #expect(try UNet2DConditionModel(contentsOf: unet).trainedClipSkip == RunConfig().diffusion.clipSkip)
    }

    @Test(arguments: ["tiny.yaml", "emoji-32.yaml"])
    func otherConfigsResolve(_ name: String) throws {
        _ = try ConfigLoader.load(file: Self.configs.appendingPathComponent(name))
    }
}
