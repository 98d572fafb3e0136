import NN
import TensorCore

/// diffusers' `UNetMidBlock2DCrossAttn` (models/unets/unet_2d_blocks.py): ResnetBlock2D, then
/// (Transformer2DModel, ResnetBlock2D) per layer, at the deepest resolution.
public final class UNetMidBlock2DCrossAttn: Module {
    /// `attentions.i`: the transformer between resnets *i* and *i + 1*.
    public let attentions: ModuleList<Transformer2DModel>
    /// `resnets.i`: one more ResNet block than transformers.
    public let resnets: ModuleList<ResnetBlock2D>

    /// A middle block over `channels` features with `layers` transformer layers (diffusers: 1).
    public init(channels: Int, timeEmbeddingDim: Int, heads: Int, contextDim: Int, groups: Int, eps: Float,
                useLinearProjection: Bool, layers: Int = 1, generator: inout Philox) {
        var resnets = [ResnetBlock2D(inChannels: channels, outChannels: channels, timeEmbeddingDim: timeEmbeddingDim,
                                     groups: groups, eps: eps, generator: &generator)]
        var attentions: [Transformer2DModel] = []
        for _ in 0..<layers {
            attentions.append(Transformer2DModel(channels: channels, heads: heads, contextDim: contextDim, groups: groups,
                                                 useLinearProjection: useLinearProjection, generator: &generator))
            resnets.append(ResnetBlock2D(inChannels: channels, outChannels: channels, timeEmbeddingDim: timeEmbeddingDim,
                                         groups: groups, eps: eps, generator: &generator))
        }
        self.attentions = ModuleList(attentions)
        self.resnets = ModuleList(resnets)
    }

    public var children: [(name: String, module: any Module)] {
        [("attentions", attentions), ("resnets", resnets)]
    }

    /// x: (B, C, H, W) → (B, C, H, W).
    public func callAsFunction(_ x: Tensor, activatedEmbedding: Tensor, context: Tensor,
                               contextMask: AttentionMask) -> Tensor {
        var h = resnets[0](x, activatedEmbedding: activatedEmbedding)
        for (attention, resnet) in zip(attentions.items, resnets.items.dropFirst()) {
            h = attention(h, context: context, contextMask: contextMask)
            h = resnet(h, activatedEmbedding: activatedEmbedding)
        }
        return h
    }
}
