import NN
import TensorCore

/// diffusers' `BasicTransformerBlock` (models/attention.py) with layer norms: pre-norm
/// self-attention (`attn1`), cross-attention to the text encoder's hidden states (`attn2`), and a
/// GEGLU feed-forward (`ff`), each added back to its input.
public final class BasicTransformerBlock: Module {
    /// `norm1`: LayerNorm before self-attention.
    public let norm1: LayerNorm
    /// `attn1`: self-attention over the pixels.
    public let selfAttention: MultiHeadAttention
    /// `norm2`: LayerNorm before cross-attention.
    public let norm2: LayerNorm
    /// `attn2`: cross-attention to the text encoder's hidden states.
    public let crossAttention: MultiHeadAttention
    /// `norm3`: LayerNorm before the feed-forward.
    public let norm3: LayerNorm
    /// `ff`: the GEGLU feed-forward.
    public let feedForward: FeedForward

    /// A block over `dim` features with `heads` heads of `headDim` attending to `contextDim` features.
    public init(dim: Int, heads: Int, headDim: Int, contextDim: Int, generator: inout Philox) {
        // attention.py: nn.LayerNorm(dim, eps=1e-5); Attention(bias=False, out_bias=True).
        norm1 = LayerNorm(dim, eps: 1e-5)
        selfAttention = MultiHeadAttention(queryDim: dim, heads: heads, headDim: headDim, naming: .diffusers, generator: &generator)
        norm2 = LayerNorm(dim, eps: 1e-5)
        crossAttention = MultiHeadAttention(queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim,
                                            naming: .diffusers, generator: &generator)
        norm3 = LayerNorm(dim, eps: 1e-5)
        feedForward = FeedForward(dim: dim, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("norm1", norm1), ("attn1", selfAttention), ("norm2", norm2), ("attn2", crossAttention),
         ("norm3", norm3), ("ff", feedForward)]
    }

    /// x: (B, L, dim); context: (B, Lk, contextDim); `contextMask` hides padded context tokens.
    public func callAsFunction(_ x: Tensor, context: Tensor, contextMask: AttentionMask) -> Tensor {
        var h = selfAttention(norm1(x)) + x
        h = crossAttention(norm2(h), context: context, mask: contextMask) + h
        return feedForward(norm3(h)) + h
    }
}
