import NN
import TensorCore

/// diffusers' `CrossAttnDownBlock2D` (models/unets/unet_2d_blocks.py): `layers` pairs of
/// (ResnetBlock2D, Transformer2DModel), then an optional stride-2 downsampler.
///
/// Every pair's output, and the downsampler's, is returned as a skip connection for the up path.
public final class CrossAttnDownBlock2D: Module {
    /// `attentions.i`: the transformer after resnet *i*.
    public let attentions: ModuleList<Transformer2DModel>
    /// `resnets.i`: the ResNet blocks.
    public let resnets: ModuleList<ResnetBlock2D>
    /// `downsamplers.0`, absent in the deepest block.
    public let downsampler: Downsample2D?

    /// A block from `inChannels` to `outChannels`; `addDownsample` is false for the last (deepest) block.
    public init(inChannels: Int, outChannels: Int, timeEmbeddingDim: Int, layers: Int, heads: Int, contextDim: Int,
                groups: Int, eps: Float, useLinearProjection: Bool, addDownsample: Bool, generator: inout Philox) {
        var resnets: [ResnetBlock2D] = [], attentions: [Transformer2DModel] = []
        for i in 0..<layers {
            resnets.append(ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels,
                                         timeEmbeddingDim: timeEmbeddingDim, groups: groups, eps: eps, generator: &generator))
            attentions.append(Transformer2DModel(channels: outChannels, heads: heads, contextDim: contextDim, groups: groups,
                                                 useLinearProjection: useLinearProjection, generator: &generator))
        }
        self.resnets = ModuleList(resnets)
        self.attentions = ModuleList(attentions)
        downsampler = addDownsample ? Downsample2D(channels: outChannels, generator: &generator) : nil
    }

    public var children: [(name: String, module: any Module)] {
        // unet_2d_blocks.py registers attentions before resnets; downsamplers is a ModuleList of one.
        var list: [(name: String, module: any Module)] = [("attentions", attentions), ("resnets", resnets)]
        if let downsampler { list.append(("downsamplers", ModuleList([downsampler]))) }
        return list
    }

    /// Number of skip connections this block adds (one per layer, plus one for the downsampler).
    public var skipCount: Int { resnets.count + (downsampler == nil ? 0 : 1) }

    /// x: (B, Cin, H, W) → (output, skips), output (B, Cout, H/2, W/2) with a downsampler.
    public func callAsFunction(_ x: Tensor, activatedEmbedding: Tensor, context: Tensor,
                               contextMask: AttentionMask) -> (output: Tensor, skips: [Tensor]) {
        var h = x
        var skips: [Tensor] = []
        for (resnet, attention) in zip(resnets.items, attentions.items) {
            h = resnet(h, activatedEmbedding: activatedEmbedding)
            h = attention(h, context: context, contextMask: contextMask)
            skips.append(h)
        }
        if let downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}
