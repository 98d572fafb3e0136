import NN
import TensorCore

/// One pre-LN transformer layer: `x + attn(ln1(x))`, then `x + mlp(ln2(x))` (transformers
/// `CLIPEncoderLayer`).
public final class CLIPEncoderLayer: Module {
    /// `self_attn`: q/k/v/out projections with bias, named as `CLIPAttention`'s.
    public let selfAttention: MultiHeadAttention
    /// `layer_norm1`, before attention.
    public let layerNorm1: LayerNorm
    /// `mlp`, the feed-forward block.
    public let mlp: CLIPMLP
    /// `layer_norm2`, before the MLP.
    public let layerNorm2: LayerNorm

    /// A layer of width `hidden` with `heads` heads (which must divide `hidden`), initialised as
    /// transformers initialises a tower of `layers` layers.
    public init(hidden: Int, intermediate: Int, heads: Int, activation: CLIPActivation, eps: Float, layers: Int,
                generator: inout Philox) {
        selfAttention = MultiHeadAttention(queryDim: hidden, heads: heads, headDim: hidden / heads, naming: .transformers,
                                           generator: &generator)
        layerNorm1 = LayerNorm(hidden, eps: eps)
        mlp = CLIPMLP(hidden: hidden, intermediate: intermediate, activation: activation, layers: layers, generator: &generator)
        layerNorm2 = LayerNorm(hidden, eps: eps)
        // modeling_clip.py `_init_weights` (CLIPAttention): in_proj_std = hidden^-½·(2·layers)^-½, out_proj_std = hidden^-½.
        let f = Float(CLIPInitialization.factor)
        let inStd = CLIPInitialization.inverseSqrt(hidden) * CLIPInitialization.inverseSqrt(2 * layers) * f
        for projection in [selfAttention.query, selfAttention.key, selfAttention.value] {
            CLIPInitialization.normal(projection, std: inStd, generator: &generator)
        }
        CLIPInitialization.normal(selfAttention.output, std: CLIPInitialization.inverseSqrt(hidden) * f, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("self_attn", selfAttention), ("layer_norm1", layerNorm1), ("mlp", mlp), ("layer_norm2", layerNorm2)]
    }

    /// x: (B, L, hidden) → (B, L, hidden); `mask` hides keys (causal and padding for text, none for images).
    public func callAsFunction(_ x: Tensor, mask: AttentionMask) -> Tensor {
        // modeling_clip.py CLIPEncoderLayer.forward: pre-LN residual blocks.
        let h = x + selfAttention(layerNorm1(x), mask: mask)
        return h + mlp(layerNorm2(h))
    }
}
