import NN
import TensorCore

/// Stride-2 3×3 convolution after a one-sided zero pad (diffusers `Downsample2D` with
/// `use_conv=True, padding=0`, as `Encoder` builds it with `downsample_padding=0`).
///
/// Parameters: `conv.weight` (C, C, 3, 3), `conv.bias` (C).
public final class AutoencoderDownsample: Module {
    public let conv: Conv2d

    /// A downsampler for `channels` channels with PyTorch's default initialisation.
    public init(channels: Int, generator: inout Philox) {
        conv = Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 0, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// x: (B, C, H, W) → (B, C, ⌊(H − 1)/2⌋ + 1, ⌊(W − 1)/2⌋ + 1), i.e. (H/2, W/2) for even sizes.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        // diffusers models/downsampling.py Downsample2D.forward: `if self.use_conv and self.padding == 0:
        // pad = (0, 1, 0, 1)` — zeros only below and to the right, then the unpadded stride-2 conv.
        conv(x.zeroPaddedBottomRight())
    }
}
