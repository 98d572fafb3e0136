import NN
import TensorCore

/// Image → 2·latent_channels moment maps (diffusers `Encoder` with `double_z=True`,
/// models/autoencoders/vae.py).
///
/// Parameters: `conv_in`, `down_blocks.N.*`, `mid_block.*`, `conv_norm_out`, `conv_out`.
public final class AutoencoderEncoder: Module {
    public let convIn: Conv2d
    public let downBlocks: ModuleList<AutoencoderDownBlock>
    public let midBlock: AutoencoderMidBlock
    public let convNormOut: GroupNorm
    public let convOut: Conv2d

    /// An encoder for `config` (assumed valid: see `AutoencoderKL.validate`).
    public init(config: AutoencoderConfig, generator: inout Philox) {
        let channels = config.blockOutChannels, groups = config.normNumGroups
        convIn = Conv2d(config.inChannels, channels[0], kernelSize: 3, padding: 1, generator: &generator)
        var blocks: [AutoencoderDownBlock] = []
        var output = channels[0]
        for (i, width) in channels.enumerated() {
            let input = output
            output = width
            // Encoder.__init__: every block but the last halves the resolution.
            blocks.append(AutoencoderDownBlock(inChannels: input, outChannels: output, layers: config.layersPerBlock,
                                               groups: groups, addDownsample: i != channels.count - 1, generator: &generator))
        }
        downBlocks = ModuleList(blocks)
        midBlock = AutoencoderMidBlock(channels: output, groups: groups, generator: &generator)
        convNormOut = GroupNorm(groups: groups, channels: output, eps: 1e-6)
        // double_z=True: mean and log-variance maps.
        convOut = Conv2d(output, 2 * config.latentChannels, kernelSize: 3, padding: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv_in", convIn), ("down_blocks", downBlocks), ("mid_block", midBlock),
         ("conv_norm_out", convNormOut), ("conv_out", convOut)]
    }

    /// x: (B, Cin, H, W) → (B, 2·latent, H/2^(n−1), W/2^(n−1)) for n blocks.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = convIn(x)
        for block in downBlocks.items { h = block(h) }
        h = midBlock(h)
        // Encoder.forward post-process: conv_norm_out → SiLU → conv_out.
        return convOut(convNormOut(h).silu())
    }
}
