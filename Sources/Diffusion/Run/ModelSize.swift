import Foundation
import TensorCore

/// Parameter counts of the three models from their configs, before anything is allocated, and the
/// check that refuses a model whose weights cannot fit in memory (issue 13 §2): a config file with
/// `block_out_channels: [8192, 8192]` would otherwise be killed for memory after a minute and 24 GB.
///
/// The counts follow diffusers' and transformers' module layouts exactly (tested against the
/// shipped model's weight files).
public enum ModelSize {
    /// Parameters of `UNet2DConditionModel` (cross-attention blocks at every level, one
    /// transformer layer per block, GEGLU feed-forward, linear projections).
    public static func unetParameters(_ config: UNetConfig) -> Double {
        let c = config.blockOutChannels.map(Double.init)
        guard let first = c.first, let last = c.last else { return 0 }
        let L = config.layersPerBlock, d = Double(config.crossAttentionDim), te = 4 * first
        func resnet(_ i: Double, _ o: Double) -> Double {
            2 * i + 9 * i * o + o + te * o + o + 2 * o + 9 * o * o + o + (i != o ? i * o + o : 0)
        }
        func transformer(_ x: Double) -> Double {
            let selfAttention = 2 * x + 4 * x * x + x
            let crossAttention = 2 * x + 2 * x * x + 2 * d * x + x
            let feedForward = 2 * x + x * 8 * x + 8 * x + 4 * x * x + x
            return 2 * x + x * x + x + selfAttention + crossAttention + feedForward + x * x + x
        }
        var n = Double(config.inChannels) * first * 9 + first + first * te + te + te * te + te
        var previous = first
        for (i, ci) in c.enumerated() {
            for j in 0..<L { n += resnet(j == 0 ? previous : ci, ci) + transformer(ci) }
            if i < c.count - 1 { n += 9 * ci * ci + ci }
            previous = ci
        }
        n += 2 * resnet(last, last) + transformer(last)
        let reversed = Array(c.reversed())
        previous = reversed[0]
        for (i, out) in reversed.enumerated() {
            let input = reversed[min(i + 1, c.count - 1)]
            for j in 0...L {
                n += resnet((j == 0 ? previous : out) + (j == L ? input : out), out) + transformer(out)
            }
            if i < c.count - 1 { n += 9 * out * out + out }
            previous = out
        }
        return n + 2 * first + 9 * first * Double(config.outChannels) + Double(config.outChannels)
    }

    /// Parameters of `AutoencoderKL` (encoder, decoder, quant and post-quant convolutions).
    public static func autoencoderParameters(_ config: AutoencoderConfig) -> Double {
        let c = config.blockOutChannels.map(Double.init)
        guard let first = c.first, let last = c.last else { return 0 }
        let L = config.layersPerBlock, z = Double(config.latentChannels)
        func resnet(_ i: Double, _ o: Double) -> Double { 2 * i + 9 * i * o + o + 2 * o + 9 * o * o + o + (i != o ? i * o + o : 0) }
        let middle = 2 * resnet(last, last) + 2 * last + 4 * (last * last + last)
        var n = Double(config.inChannels) * first * 9 + first
        var previous = first
        for (i, ci) in c.enumerated() {
            for j in 0..<L { n += resnet(j == 0 ? previous : ci, ci) }
            if i < c.count - 1 { n += 9 * ci * ci + ci }
            previous = ci
        }
        n += middle + 2 * last + 9 * last * 2 * z + 2 * z          // encoder: middle, norm, conv_out to mean and log-variance
        n += 4 * z * z + 2 * z + z * z + z                         // quant_conv, post_quant_conv
        n += z * last * 9 + last + middle                          // decoder: conv_in, middle
        let reversed = Array(c.reversed())
        previous = reversed[0]
        for (i, out) in reversed.enumerated() {
            for j in 0...L { n += resnet(j == 0 ? previous : out, out) }
            if i < c.count - 1 { n += 9 * out * out + out }
            previous = out
        }
        return n + 2 * first + 9 * first * Double(config.outChannels) + Double(config.outChannels)
    }

    /// Parameters of a CLIP transformer of `layers` layers of width `h` and MLP width `i`.
    static func transformerParameters(hidden h: Double, intermediate i: Double, layers: Int) -> Double {
        Double(layers) * (2 * h + 4 * (h * h + h) + 2 * h + h * i + i + i * h + h) + 2 * h
    }

    /// Parameters of `CLIPTextModel` with a vocabulary of `vocabulary` tokens.
    public static func textEncoderParameters(_ config: CLIPTextConfig, vocabulary: Int) -> Double {
        let h = Double(config.hiddenSize)
        return Double(vocabulary) * h + Double(config.maxPositionEmbeddings) * h
            + transformerParameters(hidden: h, intermediate: Double(config.intermediateSize), layers: config.numHiddenLayers)
    }

    /// Parameters of the CLIP vision tower (patch embedding, class token, positions, pre-norm, layers).
    public static func visionEncoderParameters(_ config: CLIPVisionConfig) -> Double {
        let h = Double(config.hiddenSize), p = Double(config.patchSize)
        let patches = Double((config.imageSize / max(config.patchSize, 1)) * (config.imageSize / max(config.patchSize, 1)))
        return Double(config.numChannels) * p * p * h + h + (patches + 1) * h + 2 * h
            + transformerParameters(hidden: h, intermediate: Double(config.intermediateSize), layers: config.numHiddenLayers)
    }

    /// Refuses a model whose `parameters` Float32 values, held `copies` times (weights, loaded
    /// file, gradients, optimizer moments, EMA), would take more than 90 % of `available` bytes.
    /// - Throws: `ConfigError` naming `source` (the config that describes the model) and the estimate.
    public static func checkFits(parameters: Double, copies: Int, model: String, source: String, key: String? = nil,
                                 available: Int? = TensorMemory.systemAvailable()) throws {
        guard let available else { return }
        let bytes = parameters * 4 * Double(copies)
        guard bytes > Double(available) * 0.9 else { return }
        throw ConfigError(source: source, key: key,
                          "describes \(model) of \(String(format: "%.3g", parameters)) parameters, which needs about "
                          + "\(TensorMemory.describe(Int(min(bytes, 9e18)))) (\(copies) copies of its weights) but this machine has "
                          + "\(TensorMemory.describe(available)) free; make it smaller")
    }
}
