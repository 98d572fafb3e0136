import Foundation
import Testing
import TensorCore

/// `Tensor.multiHeadAttention` reads the heads interleaved in each row, (B, L, H·D), where the
/// projections write them. It must give what splitting the heads into (B, H, L, D) with a permuted
/// copy, `scaledDotProductAttention` and merging them back gives — output and the gradients of q,
/// k and v — under every mask, on every backend.
@Suite struct MultiHeadAttentionLayoutTests {
    static let (batch, heads, queries, keys, dim) = (2, 3, 5, 7, 4)

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 7 + seed * 13) * 0.37)) }
    }

    /// Output and the gradients of q, k, v of Σ C ⊙ attention(q, k, v), q (B, Lq, H·D), k and v (B, Lk, H·D).
    static func run(_ mask: AttentionMask, split: Bool) -> [[Float]] {
        let (b, h, lq, lk, d) = (batch, heads, queries, keys, dim)
        let q = Tensor(shape: [b, lq, h * d], data: values(b * lq * h * d, seed: 1))
        let k = Tensor(shape: [b, lk, h * d], data: values(b * lk * h * d, seed: 2))
        let v = Tensor(shape: [b, lk, h * d], data: values(b * lk * h * d, seed: 3))
        let c = Tensor(shape: [b, lq, h * d], data: values(b * lq * h * d, seed: 4))
        var output: [Float] = []
        let (_, grads) = GradientTape.valueAndGradient(at: [q, k, v]) { p in
            let y: Tensor
            if split {
                func heads(_ t: Tensor, _ length: Int) -> Tensor { t.reshaped([b, length, h, d]).permuted([0, 2, 1, 3]) }
                y = Tensor.scaledDotProductAttention(query: heads(p[0], lq), key: heads(p[1], lk), value: heads(p[2], lk), mask: mask)
                    .permuted([0, 2, 1, 3]).reshaped([b, lq, h * d])
            } else {
                y = Tensor.multiHeadAttention(query: p[0], key: p[1], value: p[2], heads: h, mask: mask)
            }
            output = y.scalars
            return (y * c).sum()
        }
        return [output] + grads.map(\.scalars)
    }

    static func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    @Test("interleaved heads match split, attend, merge", arguments: Backends.names)
    func matchesSplitHeads(backend name: String) throws {
        let additive = (0..<(Self.batch * Self.queries * Self.keys)).map { i in i % 6 == 1 ? -Float.infinity : Float(cos(Double(i))) }
        let masks = [AttentionMask(), AttentionMask(causal: true), AttentionMask(keyLengths: [7, 3]),
                     AttentionMask(causal: true, keyLengths: [0, 5], additive: additive)]
        try Backends.with(#require(Backends.named(name))) {
            for mask in masks {
                let fused = Self.run(mask, split: false), split = Self.run(mask, split: true)
                for (index, label) in ["output", "dQ", "dK", "dV"].enumerated() {
                    #expect(fused[index].count == split[index].count && fused[index].count > 0, "\(label)")
                    #expect(Self.largestDifference(fused[index], split[index]) <= 1e-6, "\(label) (mask \(mask))")
                }
                // The masks change the result (the comparison is not of two zero tensors).
                #expect(fused[0].contains { $0 != 0 } && fused[3].contains { $0 != 0 })
            }
        }
    }

    /// Where head `bh` starts and how far apart its rows are: batch item 1, head 1 of 3, for bh 4.
    @Test func layoutOffsets() {
        #expect(AttentionLayout.interleaved(heads: 3).rowStride(headDim: 4) == 12)
        #expect(AttentionLayout.interleaved(heads: 3).offset(head: 4, length: 5, headDim: 4) == (1 * 5 * 3 + 1) * 4)
        #expect(AttentionLayout.headMajor.offset(head: 4, length: 5, headDim: 4) == 4 * 5 * 4)
    }
}
