import Foundation

extension ReferenceKernels {
    /// Whether query `i` may see key `j` of head `bh` under `mask` (ignoring the additive part).
    static func attentionAllows(_ mask: AttentionMask, bh: Int, query i: Int, key j: Int) -> Bool {
        if mask.causal && j > i { return false }  // torch SDPA is_causal: ones(L, S).tril(0)
        if let lengths = mask.keyLengths, j >= lengths[bh / mask.heads] { return false }
        return true
    }

    /// The additive mask value for head `bh`, query `i`, key `j` (0 without one).
    static func attentionBias(_ mask: AttentionMask, bh: Int, query i: Int, key j: Int, queryLength: Int, keyLength: Int) -> Float {
        guard let additive = mask.additive else { return 0 }
        let slice = additive.count == queryLength * keyLength ? 0 : bh / mask.heads
        return additive[(slice * queryLength + i) * keyLength + j]
    }

    /// Attention by its definition: probs = softmax(scale·q·kᵀ + mask), out = probs·v.
    public static func attentionForward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                        output: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                        batchHeads: Int, queryLength: Int, keyLength: Int, headDim: Int, scale: Float,
                                        mask: AttentionMask, layout: AttentionLayout) {
        let (lq, lk, d) = (queryLength, keyLength, headDim)
        layout.check(batchHeads: batchHeads)
        let stride = layout.rowStride(headDim: d)
        var scores = [Double](repeating: 0, count: lk)
        // q: (BH, Lq, D)  k, v: (BH, Lk, D)  probs: (BH, Lq, Lk)  out: (BH, Lq, D), each head's rows `stride` apart
        for bh in 0..<batchHeads {
            let (qh, kh, vh) = (q + layout.offset(head: bh, length: lq, headDim: d),
                                k + layout.offset(head: bh, length: lk, headDim: d),
                                v + layout.offset(head: bh, length: lk, headDim: d))
            let oh = output + layout.offset(head: bh, length: lq, headDim: d)
            for i in 0..<lq {
                var maximum = -Double.infinity
                for j in 0..<lk {
                    var dot = 0.0
                    for t in 0..<d { dot += Double(qh[i * stride + t]) * Double(kh[j * stride + t]) }
                    let bias = Double(attentionBias(mask, bh: bh, query: i, key: j, queryLength: lq, keyLength: lk))
                    scores[j] = attentionAllows(mask, bh: bh, query: i, key: j) ? Double(scale) * dot + bias : -.infinity
                    maximum = max(maximum, scores[j])
                }
                var sum = 0.0
                for j in 0..<lk {
                    scores[j] = maximum > -.infinity ? Foundation.exp(scores[j] - maximum) : 0
                    sum += scores[j]
                }
                for j in 0..<lk { probs[(bh * lq + i) * lk + j] = sum > 0 ? Float(scores[j] / sum) : 0 }
                for t in 0..<d {
                    var value = 0.0
                    for j in 0..<lk { value += Double(probs[(bh * lq + i) * lk + j]) * Double(vh[j * stride + t]) }
                    oh[i * stride + t] = Float(value)
                }
            }
        }
    }

    /// Attention gradients by the chain rule through softmax, accumulated.
    public static func attentionBackward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                         probs: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                         gradQ: UnsafeMutablePointer<Float>?, gradK: UnsafeMutablePointer<Float>?,
                                         gradV: UnsafeMutablePointer<Float>?, batchHeads: Int, queryLength: Int,
                                         keyLength: Int, headDim: Int, scale: Float,
                                         layout: AttentionLayout, overwriting: AttentionGradients) {
        let (lq, lk, d) = (queryLength, keyLength, headDim)
        layout.check(batchHeads: batchHeads)
        let stride = layout.rowStride(headDim: d)
        // Set = zeroed, then accumulated (whatever the buffers held before).
        overwriting.zero(gradQ: gradQ, gradK: gradK, gradV: gradV, queryCount: batchHeads * lq * d, keyCount: batchHeads * lk * d)
        var dProbs = [Double](repeating: 0, count: lk)
        // q, dq, dout: (BH, Lq, D)  k, v, dk, dv: (BH, Lk, D)  probs: (BH, Lq, Lk), each head's rows `stride` apart
        for bh in 0..<batchHeads {
            let (qo, ko) = (layout.offset(head: bh, length: lq, headDim: d), layout.offset(head: bh, length: lk, headDim: d))
            for i in 0..<lq {
                var dot = 0.0
                for j in 0..<lk {
                    var value = 0.0
                    for t in 0..<d { value += Double(gradOutput[qo + i * stride + t]) * Double(v[ko + j * stride + t]) }
                    dProbs[j] = value
                    dot += value * Double(probs[(bh * lq + i) * lk + j])
                }
                for j in 0..<lk {
                    let p = Double(probs[(bh * lq + i) * lk + j])
                    let dScore = p * (dProbs[j] - dot) * Double(scale)  // softmax backward, then the scale
                    for t in 0..<d {
                        let (qi, kj) = (qo + i * stride + t, ko + j * stride + t)
                        if let gradQ { gradQ[qi] += Float(dScore * Double(k[kj])) }
                        if let gradK { gradK[kj] += Float(dScore * Double(q[qi])) }
                        if let gradV { gradV[kj] += Float(p * Double(gradOutput[qi])) }
                    }
                }
            }
        }
    }
}
