import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// The default config (DESIGN §3) builds diffusers' architecture: shapes, parameter count, names,
/// and the posterior's sampling and KL.
@Suite struct AutoencoderShapeTests {
    static func uniform(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = Philox(seed: seed)
        return Initialization.uniform(shape: shape, bound: 1, generator: &g)
    }

    @Test func defaultConfigMaps32x32x3To8x8x4AndBack() throws {
        var g = Philox(seed: 1)
        let model = try AutoencoderKL(config: AutoencoderConfig(), generator: &g)
        #expect(model.downsamplingFactor == 4)
        let x = Self.uniform([2, 3, 32, 32], seed: 2)
        let posterior = model.encode(x)
        #expect(posterior.mean.shape == [2, 4, 8, 8])
        #expect(posterior.logvar.shape == [2, 4, 8, 8])
        #expect(posterior.kl().shape == [2])
        let decoded = model.decode(posterior.mode())
        #expect(decoded.shape == [2, 3, 32, 32])
        #expect(decoded.scalars.allSatisfy { $0.isFinite })
    }

    @Test func defaultConfigHasDiffusersParameterCountAndNames() throws {
        var g = Philox(seed: 1)
        let model = try AutoencoderKL(config: AutoencoderConfig(), generator: &g)
        // `python scripts/fixtures/autoencoder.py --count`: sum(p.numel() for p in
        // diffusers.AutoencoderKL(block_out_channels=[32, 64, 64], layers_per_block=1,
        // norm_num_groups=16, latent_channels=4, 3 × DownEncoderBlock2D / UpDecoderBlock2D).parameters())
        // with diffusers 0.42.1.
        #expect(model.parameterCount == 954_567)
        let names = model.namedParameters().map(\.name)
        #expect(names.count == 152)  // len(state_dict()) in diffusers
        // PyTorch's named_parameters order at the seams (mid_block registers attentions first;
        // the decoder registers up_blocks before mid_block).
        #expect(Array(names.prefix(3)) == ["encoder.conv_in.weight", "encoder.conv_in.bias",
                                           "encoder.down_blocks.0.resnets.0.norm1.weight"])
        #expect(Array(names.suffix(4)) == ["quant_conv.weight", "quant_conv.bias",
                                           "post_quant_conv.weight", "post_quant_conv.bias"])
        for name in [
            "encoder.down_blocks.0.downsamplers.0.conv.weight",
            "encoder.down_blocks.1.resnets.0.conv_shortcut.weight",
            "encoder.mid_block.attentions.0.group_norm.weight",
            "encoder.mid_block.attentions.0.to_q.bias",
            "encoder.mid_block.attentions.0.to_out.0.weight",
            "encoder.mid_block.resnets.1.conv2.bias",
            "encoder.conv_norm_out.weight",
            "decoder.up_blocks.0.resnets.1.conv1.weight",
            "decoder.up_blocks.1.upsamplers.0.conv.weight",
            "decoder.up_blocks.2.resnets.0.conv_shortcut.weight",
            "decoder.conv_out.bias",
        ] {
            #expect(names.contains(name), "missing \(name)")
        }
        #expect(!names.contains("encoder.down_blocks.2.downsamplers.0.conv.weight"))
        #expect(!names.contains("decoder.up_blocks.2.upsamplers.0.conv.weight"))
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter.shape) })
        #expect(shapes["encoder.conv_out.weight"] == [8, 64, 3, 3])
        #expect(shapes["decoder.conv_in.weight"] == [64, 4, 3, 3])
        #expect(shapes["decoder.up_blocks.2.resnets.0.conv_shortcut.weight"] == [32, 64, 1, 1])
        #expect(shapes["encoder.mid_block.attentions.0.to_k.weight"] == [64, 64])
    }

    @Test func posteriorSamplesWithTheReparameterisationTrick() {
        let mean = Self.uniform([2, 4, 3, 3], seed: 3)
        let logvar = Self.uniform([2, 4, 3, 3], seed: 4) * 2
        let posterior = DiagonalGaussian(mean: mean, logvar: logvar)
        var g1 = Philox(seed: 9), g2 = Philox(seed: 9)
        let sample = posterior.sample(generator: &g1)
        let noise = Initialization.normal(shape: [2, 4, 3, 3], generator: &g2)
        let expected = zip(zip(mean.scalars, logvar.scalars), noise.scalars).map { $0.0 + Foundation.exp(0.5 * $0.1) * $1 }
        #expect(zip(sample.scalars, expected).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        #expect(g1 == g2)
    }

    @Test func posteriorClampsLogVarianceAndKLIsZeroAtThePrior() {
        let moments = Tensor.concatenate([Tensor(zeros: [1, 2, 2, 2]), Tensor(zeros: [1, 2, 2, 2])], axis: 1)
        let prior = DiagonalGaussian(parameters: moments)
        #expect(prior.kl().scalars == [0])
        let extreme = DiagonalGaussian(mean: Tensor(zeros: [1, 1, 1, 2]), logvar: Tensor(shape: [1, 1, 1, 2], data: [-100, 100]))
        #expect(extreme.logvar.scalars == [-30, 20])
        // ½ Σ (μ² + σ² − 1 − log σ²) with μ = 1, log σ² = 0 on 3 elements.
        let shifted = DiagonalGaussian(mean: Tensor(repeating: 1, shape: [1, 3, 1, 1]), logvar: Tensor(zeros: [1, 3, 1, 1]))
        #expect(abs(shifted.kl().item - 1.5) <= 1e-6)
    }
}
