import NN
import TensorCore

/// diffusers' `ResnetBlock2D` (models/resnet.py) with time conditioning ("default" time embedding norm):
/// GroupNorm → SiLU → conv1 → + time_emb_proj(SiLU(temb)) → GroupNorm → SiLU → conv2, plus the input
/// (through a 1×1 `conv_shortcut` when the channel count changes), divided by `outputScaleFactor`.
public final class ResnetBlock2D: Module {
    /// `norm1`: GroupNorm of the input.
    public let norm1: GroupNorm
    /// `conv1`: 3×3 convolution to the output channels.
    public let conv1: Conv2d
    /// `time_emb_proj`: the time embedding to one shift per channel.
    public let timeEmbeddingProjection: Linear
    /// `norm2`: GroupNorm after adding the time shift.
    public let norm2: GroupNorm
    /// `conv2`: 3×3 convolution.
    public let conv2: Conv2d
    /// 1×1 convolution on the skip path, present when `inChannels != outChannels` (resnet.py `use_in_shortcut`).
    public let convShortcut: Conv2d?
    /// The sum is divided by this (diffusers `output_scale_factor`; 1 in the U-Net).
    public let outputScaleFactor: Float

    /// A block from `inChannels` to `outChannels` conditioned on a `timeEmbeddingDim` embedding.
    public init(inChannels: Int, outChannels: Int, timeEmbeddingDim: Int, groups: Int, eps: Float,
                outputScaleFactor: Float = 1, generator: inout Philox) {
        norm1 = GroupNorm(groups: groups, channels: inChannels, eps: eps)
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        timeEmbeddingProjection = Linear(timeEmbeddingDim, outChannels, generator: &generator)
        norm2 = GroupNorm(groups: groups, channels: outChannels, eps: eps)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        convShortcut = inChannels == outChannels
            ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, generator: &generator)
        self.outputScaleFactor = outputScaleFactor
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [
            ("norm1", norm1), ("conv1", conv1), ("time_emb_proj", timeEmbeddingProjection),
            ("norm2", norm2), ("conv2", conv2),
        ]
        if let convShortcut { list.append(("conv_shortcut", convShortcut)) }
        return list
    }

    /// x: (B, Cin, H, W); activatedEmbedding: SiLU(temb), (B, E) → (B, Cout, H, W).
    ///
    /// The caller applies the SiLU to the time embedding once for all blocks: resnet.py applies the
    /// same `nonlinearity(temb)` inside every block, so the result is identical.
    public func callAsFunction(_ x: Tensor, activatedEmbedding: Tensor) -> Tensor {
        var h = conv1(norm1(x).silu())
        let t = timeEmbeddingProjection(activatedEmbedding)          // (B, Cout)
        h = h + t.reshaped([t.shape[0], t.shape[1], 1, 1])            // resnet.py: temb[:, :, None, None]
        h = conv2(norm2(h).silu())                                    // dropout 0: identity
        let skip = convShortcut.map { $0(x) } ?? x
        let sum = skip + h
        return outputScaleFactor == 1 ? sum : sum / outputScaleFactor
    }
}
