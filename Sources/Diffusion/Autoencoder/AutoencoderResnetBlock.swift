import NN
import TensorCore

/// A pre-norm residual block without time embedding (diffusers `ResnetBlock2D` with
/// `temb_channels=None`, as the VAE uses it; models/resnet.py).
///
/// Parameters: `norm1`, `conv1`, `norm2`, `conv2`, and `conv_shortcut` (1×1) when the channel
/// count changes. GroupNorm eps is 1e-6 (`resnet_eps` in autoencoders/vae.py).
public final class AutoencoderResnetBlock: Module {
    public let norm1: GroupNorm
    public let conv1: Conv2d
    public let norm2: GroupNorm
    public let conv2: Conv2d
    /// 1×1 projection of the input when `inChannels != outChannels` (`use_in_shortcut`).
    public let convShortcut: Conv2d?

    /// A block from `inChannels` to `outChannels` with `groups` normalisation groups.
    public init(inChannels: Int, outChannels: Int, groups: Int, generator: inout Philox) {
        norm1 = GroupNorm(groups: groups, channels: inChannels, eps: 1e-6)
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        norm2 = GroupNorm(groups: groups, channels: outChannels, eps: 1e-6)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        // ResnetBlock2D: use_in_shortcut = in_channels != conv_2d_out_channels.
        convShortcut = inChannels == outChannels
            ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("norm1", norm1), ("conv1", conv1), ("norm2", norm2), ("conv2", conv2)]
        if let convShortcut { list.append(("conv_shortcut", convShortcut)) }
        return list
    }

    /// x: (B, Cin, H, W) → (B, Cout, H, W).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        // ResnetBlock2D.forward: norm1 → SiLU → conv1 → norm2 → SiLU → dropout (p = 0) → conv2.
        var h = conv1(norm1(x).silu())
        h = conv2(norm2(h).silu())
        // (input_tensor + hidden_states) / output_scale_factor, with output_scale_factor = 1.
        return (convShortcut?(x) ?? x) + h
    }
}
