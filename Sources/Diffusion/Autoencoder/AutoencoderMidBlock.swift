import NN
import TensorCore

/// resnet → attention → resnet at the lowest resolution (diffusers `UNetMidBlock2D` with
/// `num_layers=1`, `temb_channels=None`, `add_attention=True`; models/unets/unet_2d_blocks.py).
///
/// Parameters: `attentions.0.*` then `resnets.{0,1}.*` (PyTorch registers `attentions` first).
public final class AutoencoderMidBlock: Module {
    public let attentions: ModuleList<AutoencoderAttention>
    public let resnets: ModuleList<AutoencoderResnetBlock>

    /// A mid block over `channels` channels with `groups` normalisation groups.
    public init(channels: Int, groups: Int, generator: inout Philox) {
        // Construction order follows diffusers (resnets[0], attention, resnets[1]); registration
        // order (the `children` below) follows PyTorch's `named_parameters`.
        let first = AutoencoderResnetBlock(inChannels: channels, outChannels: channels, groups: groups, generator: &generator)
        let attention = AutoencoderAttention(channels: channels, groups: groups, generator: &generator)
        let second = AutoencoderResnetBlock(inChannels: channels, outChannels: channels, groups: groups, generator: &generator)
        attentions = ModuleList([attention])
        resnets = ModuleList([first, second])
    }

    public var children: [(name: String, module: any Module)] { [("attentions", attentions), ("resnets", resnets)] }

    /// x: (B, C, H, W) → (B, C, H, W).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        // UNetMidBlock2D.forward: resnets[0], then for each (attn, resnet) pair: attn, resnet.
        var h = resnets[0](x)
        for i in 0..<attentions.count {
            h = resnets[i + 1](attentions[i](h))
        }
        return h
    }
}
