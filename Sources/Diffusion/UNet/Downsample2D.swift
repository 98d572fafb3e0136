import NN
import TensorCore

/// diffusers' `Downsample2D` with a convolution (models/downsampling.py): 3×3, stride 2, padding 1
/// (the U-Net's `downsample_padding`), halving H and W.
public final class Downsample2D: Module {
    /// `conv`: the stride-2 convolution.
    public let conv: Conv2d

    /// A downsampler keeping `channels` channels.
    public init(channels: Int, generator: inout Philox) {
        conv = Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// (B, C, H, W) → (B, C, H/2, W/2).
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
}
