import Foundation

extension Tensor {
    /// Scaled dot-product attention, softmax(q·kᵀ·scale + mask)·v, over (B, H, L, D) tensors
    /// (PyTorch `F.scaled_dot_product_attention`; scale defaults to 1/√D).
    ///
    /// `mask.heads` is taken from the query's shape, so callers give only causal / key lengths /
    /// additive scores. The additive scores are a constant, not differentiated.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
                                                 mask: AttentionMask = AttentionMask(), scale: Float? = nil) -> Tensor {
        precondition(query.rank == 4 && key.rank == 4 && value.rank == 4, "attention needs (B, H, L, D) tensors")
        let (b, h, lq, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let lk = key.shape[2]
        precondition(key.shape == [b, h, lk, d] && value.shape == [b, h, lk, d],
                     "attention shapes differ: q \(query.shape), k \(key.shape), v \(value.shape)")
        return attention(query, key, value, batch: b, heads: h, queryLength: lq, keyLength: lk, headDim: d,
                         mask: mask, scale: scale, layout: .headMajor)
    }

    /// Multi-head attention over heads interleaved in each row: q (B, Lq, H·D), k and v (B, Lk, H·D)
    /// → (B, Lq, H·D). The same as splitting the heads into (B, H, L, D), `scaledDotProductAttention`
    /// and merging them back, without the two permuted copies (and their backward copies): the
    /// kernels read each head in place, as the projections wrote it.
    public static func multiHeadAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                          mask: AttentionMask = AttentionMask(), scale: Float? = nil) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3, "multi-head attention needs (B, L, H·D) tensors")
        precondition(heads > 0 && query.shape[2] % heads == 0,
                     "multi-head attention: \(query.shape[2]) features do not split into \(heads) heads")
        let (b, lq, d) = (query.shape[0], query.shape[1], query.shape[2] / heads)
        let lk = key.shape[1]
        precondition(key.shape == [b, lk, heads * d] && value.shape == [b, lk, heads * d],
                     "attention shapes differ: q \(query.shape), k \(key.shape), v \(value.shape)")
        return attention(query, key, value, batch: b, heads: heads, queryLength: lq, keyLength: lk, headDim: d,
                         mask: mask, scale: scale, layout: .interleaved(heads: heads))
    }

    /// The op under both entry points; the output has the query's shape and layout.
    private static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, batch b: Int, heads h: Int, queryLength lq: Int,
                                  keyLength lk: Int, headDim d: Int, mask: AttentionMask, scale: Float?,
                                  layout: AttentionLayout) -> Tensor {
        var m = mask
        m.heads = h
        if let lengths = m.keyLengths { precondition(lengths.count == b, "attention needs \(b) key lengths, got \(lengths.count)") }
        if let additive = m.additive {
            precondition(additive.count == lq * lk || additive.count == b * lq * lk,
                         "additive attention mask of \(additive.count) values fits neither (1, \(lq), \(lk)) nor (\(b), \(lq), \(lk))")
        }
        let s = scale ?? 1 / Float(d).squareRoot()
        let backend = Backends.current
        // Every element is written by attentionForward (masked keys as 0), so no zero fill: at a 16×16
        // latent (L = 256) filling the probabilities cost 1.8 % of a single-thread U-Net step.
        let probs = Tensor(shape: [b * h, lq, lk], storage: TensorStorage(uninitializedCount: b * h * lq * lk))
        let maskCopy = m
        // q·kᵀ and p·v: two (Lq×Lk×D) products per head.
        let flops = 4 * b * h * lq * lk * d
        FlopCounter.current?.add(flops)
        var out = Tensor(computing: q.shape) { o in
            backend.attentionForward(q: q.pointer, k: k.pointer, v: v.pointer, output: o, probs: probs.pointer,
                                     batchHeads: b * h, queryLength: lq, keyLength: lk, headDim: d, scale: s,
                                     mask: maskCopy, layout: layout)
        }
        Tensor.record(&out, [q, k, v]) { g in
            FlopCounter.current?.add(2 * flops)  // dP = dO·vᵀ, dV = pᵀ·dO, dQ = dS·k, dK = dSᵀ·q
            // A gradient nothing has written yet is set by the kernel, not zero-filled and added to
            // (`gradTarget()`), when q, k and v are three tensors; one tensor in two roles adds.
            let present = [q.node, k.node, v.node].compactMap { $0 }
            let distinct = Set(present.map(ObjectIdentifier.init)).count == present.count
            var overwriting: AttentionGradients = []
            func target(_ node: TapeNode?, _ role: AttentionGradients) -> UnsafeMutablePointer<Float>? {
                guard let node else { return nil }
                guard distinct else { return node.gradBuffer() }
                let (pointer, accumulate) = node.gradTarget()
                if !accumulate { overwriting.insert(role) }
                return pointer
            }
            let (gq, gk, gv) = (target(q.node, .query), target(k.node, .key), target(v.node, .value))
            backend.attentionBackward(q: q.pointer, k: k.pointer, v: v.pointer, probs: probs.pointer, gradOutput: g,
                                      gradQ: gq, gradK: gk, gradV: gv,
                                      batchHeads: b * h, queryLength: lq, keyLength: lk, headDim: d, scale: s,
                                      layout: layout, overwriting: overwriting)
        }
        return out
    }
}
