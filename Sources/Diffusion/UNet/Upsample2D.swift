import NN
import TensorCore

/// diffusers' `Upsample2D` with a convolution (models/upsampling.py): nearest-neighbour 2× then a
/// 3×3 convolution with padding 1.
public final class Upsample2D: Module {
    /// `conv`: the convolution after upsampling.
    public let conv: Conv2d

    /// An upsampler keeping `channels` channels.
    public init(channels: Int, generator: inout Philox) {
        conv = Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// (B, C, H, W) → (B, C, 2H, 2W).
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x.upsampleNearest2x()) }
}
