import Foundation
import Testing
import TensorCore
import Diffusion

/// Parameter counts from configs alone (issue 13 §2) equal the number of values in the weight
/// files of the shipped model, and an oversized model is refused before anything is allocated.
@Suite struct ModelSizeTests {
    static let shipped = TestFiles.shippedModel

    static func values(in file: URL) throws -> Double {
        let weights = try SafetensorsFile(contentsOf: file)
        return try weights.names.reduce(0) { $0 + Double(try weights.info($1).elementCount) }
    }

    @Test func countsMatchTheShippedWeightFiles() throws {
        let unet = try UNet2DConditionModel(contentsOf: Self.shipped.appendingPathComponent("unet"))
        #expect(ModelSize.unetParameters(unet.config)
                == (try Self.values(in: Self.shipped.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))))
        let vae = try AutoencoderKL.readConfig(from: Self.shipped.appendingPathComponent("vae"))
        #expect(ModelSize.autoencoderParameters(vae)
                == (try Self.values(in: Self.shipped.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))))
        let text = try CLIPTextModel.load(from: Self.shipped.appendingPathComponent("text_encoder"))
        #expect(ModelSize.textEncoderParameters(text.textModel.config, vocabulary: text.textModel.vocabularySize)
                == (try Self.values(in: Self.shipped.appendingPathComponent("text_encoder/model.safetensors"))))
    }

    @Test func aModelThatCannotFitIsRefusedWithTheEstimate() throws {
        var config = UNetConfig()
        config.blockOutChannels = [8192, 8192]
        config.layersPerBlock = 64
        let error = #expect(throws: ConfigError.self) {
            try ModelSize.checkFits(parameters: ModelSize.unetParameters(config), copies: 2, model: "a U-Net",
                                    source: "big/config.json", available: 24_000_000_000)
        }
        #expect(error?.description == "big/config.json: describes a U-Net of 8.31e+11 parameters, which needs about 6644.87 GB "
                + "(2 copies of its weights) but this machine has 24.00 GB free; make it smaller")
        try ModelSize.checkFits(parameters: ModelSize.unetParameters(UNetConfig()), copies: 7, model: "a U-Net",
                                source: "default", available: 24_000_000_000)
    }
}
