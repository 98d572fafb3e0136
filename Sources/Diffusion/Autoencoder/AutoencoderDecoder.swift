import NN
import TensorCore

/// Latents → image (diffusers `Decoder` with `norm_type="group"`, models/autoencoders/vae.py).
///
/// Parameters: `conv_in`, `up_blocks.N.*`, `mid_block.*`, `conv_norm_out`, `conv_out` (PyTorch
/// registers `up_blocks` before `mid_block`).
public final class AutoencoderDecoder: Module {
    public let convIn: Conv2d
    public let upBlocks: ModuleList<AutoencoderUpBlock>
    public let midBlock: AutoencoderMidBlock
    public let convNormOut: GroupNorm
    public let convOut: Conv2d

    /// A decoder for `config` (assumed valid: see `AutoencoderKL.validate`).
    public init(config: AutoencoderConfig, generator: inout Philox) {
        let reversed = Array(config.blockOutChannels.reversed()), groups = config.normNumGroups
        convIn = Conv2d(config.latentChannels, reversed[0], kernelSize: 3, padding: 1, generator: &generator)
        midBlock = AutoencoderMidBlock(channels: reversed[0], groups: groups, generator: &generator)
        var blocks: [AutoencoderUpBlock] = []
        var output = reversed[0]
        for (i, width) in reversed.enumerated() {
            let input = output
            output = width
            // Decoder.__init__: num_layers=layers_per_block + 1; every block but the last doubles the resolution.
            blocks.append(AutoencoderUpBlock(inChannels: input, outChannels: output, layers: config.layersPerBlock + 1,
                                             groups: groups, addUpsample: i != reversed.count - 1, generator: &generator))
        }
        upBlocks = ModuleList(blocks)
        convNormOut = GroupNorm(groups: groups, channels: output, eps: 1e-6)
        convOut = Conv2d(output, config.outChannels, kernelSize: 3, padding: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv_in", convIn), ("up_blocks", upBlocks), ("mid_block", midBlock),
         ("conv_norm_out", convNormOut), ("conv_out", convOut)]
    }

    /// z: (B, latent, h, w) → (B, Cout, h·2^(n−1), w·2^(n−1)) for n blocks.
    public func callAsFunction(_ z: Tensor) -> Tensor {
        // Decoder.forward: conv_in → mid_block → up_blocks → conv_norm_out → SiLU → conv_out.
        var h = midBlock(convIn(z))
        for block in upBlocks.items { h = block(h) }
        return convOut(convNormOut(h).silu())
    }
}
