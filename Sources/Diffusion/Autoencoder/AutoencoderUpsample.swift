import NN
import TensorCore

/// Nearest-neighbour 2× upsampling followed by a 3×3 convolution (diffusers `Upsample2D` with
/// `use_conv=True`, models/upsampling.py).
///
/// Parameters: `conv.weight` (C, C, 3, 3), `conv.bias` (C).
public final class AutoencoderUpsample: Module {
    public let conv: Conv2d

    /// An upsampler for `channels` channels with PyTorch's default initialisation.
    public init(channels: Int, generator: inout Philox) {
        conv = Conv2d(channels, channels, kernelSize: 3, stride: 1, padding: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// x: (B, C, H, W) → (B, C, 2H, 2W).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        // Upsample2D.forward: F.interpolate(scale_factor=2.0, mode="nearest"), then self.conv.
        conv(x.upsampleNearest2x())
    }
}
