import NN
import TensorCore

/// `layers` residual blocks, then an optional downsampler (diffusers `DownEncoderBlock2D`,
/// models/unets/unet_2d_blocks.py).
///
/// Parameters: `resnets.N.*`, `downsamplers.0.conv.*` (all but the last encoder block).
public final class AutoencoderDownBlock: Module {
    public let resnets: ModuleList<AutoencoderResnetBlock>
    public let downsamplers: ModuleList<AutoencoderDownsample>?

    /// A block from `inChannels` to `outChannels`.
    public init(inChannels: Int, outChannels: Int, layers: Int, groups: Int, addDownsample: Bool,
                generator: inout Philox) {
        var blocks: [AutoencoderResnetBlock] = []
        for i in 0..<layers {
            blocks.append(AutoencoderResnetBlock(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels,
                                                 groups: groups, generator: &generator))
        }
        resnets = ModuleList(blocks)
        downsamplers = addDownsample ? ModuleList([AutoencoderDownsample(channels: outChannels, generator: &generator)]) : nil
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("resnets", resnets)]
        if let downsamplers { list.append(("downsamplers", downsamplers)) }
        return list
    }

    /// x: (B, Cin, H, W) → (B, Cout, H/2, W/2) with a downsampler, else (B, Cout, H, W).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for resnet in resnets.items { h = resnet(h) }
        if let downsamplers { for down in downsamplers.items { h = down(h) } }
        return h
    }
}
