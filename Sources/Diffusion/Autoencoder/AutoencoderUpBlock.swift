import NN
import TensorCore

/// `layers` residual blocks, then an optional upsampler (diffusers `UpDecoderBlock2D`,
/// models/unets/unet_2d_blocks.py). The decoder gives each up block `layers_per_block + 1` resnets.
///
/// Parameters: `resnets.N.*`, `upsamplers.0.conv.*` (all but the last decoder block).
public final class AutoencoderUpBlock: Module {
    public let resnets: ModuleList<AutoencoderResnetBlock>
    public let upsamplers: ModuleList<AutoencoderUpsample>?

    /// A block from `inChannels` to `outChannels`.
    public init(inChannels: Int, outChannels: Int, layers: Int, groups: Int, addUpsample: Bool,
                generator: inout Philox) {
        var blocks: [AutoencoderResnetBlock] = []
        for i in 0..<layers {
            blocks.append(AutoencoderResnetBlock(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels,
                                                 groups: groups, generator: &generator))
        }
        resnets = ModuleList(blocks)
        upsamplers = addUpsample ? ModuleList([AutoencoderUpsample(channels: outChannels, generator: &generator)]) : nil
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("resnets", resnets)]
        if let upsamplers { list.append(("upsamplers", upsamplers)) }
        return list
    }

    /// x: (B, Cin, H, W) → (B, Cout, 2H, 2W) with an upsampler, else (B, Cout, H, W).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for resnet in resnets.items { h = resnet(h) }
        if let upsamplers { for up in upsamplers.items { h = up(h) } }
        return h
    }
}
