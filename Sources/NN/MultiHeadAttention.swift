import TensorCore

/// Multi-head attention, self or cross, with the parameter names of either reference library.
///
/// `.diffusers` follows diffusers' `Attention` (`to_q`, `to_k`, `to_v` without bias, `to_out.0`
/// with bias); `.transformers` follows CLIPAttention (`q_proj`, `k_proj`, `v_proj`, `out_proj`, all
/// with bias). The math is the same: project, split heads, scaled dot-product attention, merge, project.
public final class MultiHeadAttention: Module {
    /// Which library's parameter names to use.
    public enum Naming: Sendable {
        case diffusers
        case transformers
    }

    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let heads: Int
    public let headDim: Int
    public let naming: Naming

    /// Attention from `queryDim` features over a context of `contextDim` features (nil: self-attention).
    /// `projectionBias` (default: the library's usual choice) gives q/k/v projections a bias, as
    /// diffusers' VAE mid-block attention has (`Attention(bias=True)`).
    public init(queryDim: Int, contextDim: Int? = nil, heads: Int, headDim: Int, naming: Naming,
                projectionBias: Bool? = nil, generator: inout Philox) {
        let inner = heads * headDim
        let kv = contextDim ?? queryDim
        let projectionBias = projectionBias ?? (naming == .transformers)
        query = Linear(queryDim, inner, bias: projectionBias, generator: &generator)
        key = Linear(kv, inner, bias: projectionBias, generator: &generator)
        value = Linear(kv, inner, bias: projectionBias, generator: &generator)
        output = Linear(inner, queryDim, bias: true, generator: &generator)
        self.heads = heads
        self.headDim = headDim
        self.naming = naming
    }

    public var children: [(name: String, module: any Module)] {
        switch naming {
        case .diffusers:
            [("to_q", query), ("to_k", key), ("to_v", value), ("to_out", ModuleList([output]))]
        case .transformers:
            [("q_proj", query), ("k_proj", key), ("v_proj", value), ("out_proj", output)]
        }
    }

    /// x: (B, L, queryDim); context: (B, Lk, contextDim) or nil → (B, L, queryDim).
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil, mask: AttentionMask = AttentionMask()) -> Tensor {
        let source = context ?? x
        // q (B, L, H·D), k and v (B, Lk, H·D): the heads stay interleaved in each row, as the
        // projections write them; the attention kernels read each head in place.
        let q = query(x)
        let project = { (key: self.key(source), value: self.value(source)) }
        // Cross-attention in inference inside a `CrossAttentionCache` scope projects each context once.
        let (k, v) = if let context, Tape.current == nil, let cache = CrossAttentionCache.current {
            cache.keysAndValues(of: self, context: context, compute: project)
        } else {
            project()
        }
        return output(Tensor.multiHeadAttention(query: q, key: k, value: v, heads: heads, mask: mask))
    }
}
