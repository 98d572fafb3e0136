import Foundation
import Testing
import TensorCore

/// `scaledDotProductAttention` keeps its probabilities (B·H, Lq, Lk) for the backward in a buffer
/// it does not zero: the backend's forward writes every element, masked keys as 0. A kernel that
/// skipped the masked ones would leave what the caching allocator's last tensor held — here NaN —
/// and the backward would read it (dV = Pᵀ·dO sums over every query, masked or not).
@Suite struct AttentionProbabilitiesTests {
    static let (batch, heads, queries, keys, dim) = (2, 3, 5, 6, 4)

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 5 + seed * 11) * 0.41)) }
    }

    /// Output and the gradients of q, k, v of Σ C ⊙ attention(q, k, v) under `mask`.
    static func run(_ mask: AttentionMask) -> [[Float]] {
        let (b, h, lq, lk, d) = (batch, heads, queries, keys, dim)
        let q = Tensor(shape: [b, h, lq, d], data: values(b * h * lq * d, seed: 1))
        let k = Tensor(shape: [b, h, lk, d], data: values(b * h * lk * d, seed: 2))
        let v = Tensor(shape: [b, h, lk, d], data: values(b * h * lk * d, seed: 3))
        let c = Tensor(shape: [b, h, lq, d], data: values(b * h * lq * d, seed: 4))
        var output: [Float] = []
        let (_, grads) = GradientTape.valueAndGradient(at: [q, k, v]) { p in
            let y = Tensor.scaledDotProductAttention(query: p[0], key: p[1], value: p[2], mask: mask)
            output = y.scalars
            return (y * c).sum()
        }
        return [output] + grads.map(\.scalars)
    }

    /// The output and dV = Pᵀ·C by the definition, in Double: P = softmax(q·kᵀ/√D) over the keys
    /// `mask` lets each query see, 0 elsewhere.
    static func expected(_ mask: AttentionMask) -> (output: [Float], gradV: [Float]) {
        let (b, h, lq, lk, d) = (batch, heads, queries, keys, dim)
        let (q, k, v, c) = (values(b * h * lq * d, seed: 1), values(b * h * lk * d, seed: 2),
                            values(b * h * lk * d, seed: 3), values(b * h * lq * d, seed: 4))
        var output = [Float](repeating: 0, count: b * h * lq * d), gradV = [Double](repeating: 0, count: b * h * lk * d)
        for bh in 0..<(b * h) {
            for i in 0..<lq {
                let visible = (0..<lk).filter { j in
                    !(mask.causal && j > i) && j < (mask.keyLengths?[bh / h] ?? lk)
                }
                let scores = visible.map { j in
                    (0..<d).reduce(0.0) { $0 + Double(q[(bh * lq + i) * d + $1]) * Double(k[(bh * lk + j) * d + $1]) }
                        / Double(d).squareRoot()
                }
                let top = scores.max() ?? 0
                let weights = scores.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for (j, weight) in zip(visible, weights) {
                    let p = weight / total
                    for t in 0..<d {
                        output[(bh * lq + i) * d + t] += Float(p * Double(v[(bh * lk + j) * d + t]))
                        gradV[(bh * lk + j) * d + t] += p * Double(c[(bh * lq + i) * d + t])
                    }
                }
            }
        }
        return (output, gradV.map { Float($0) })
    }

    static func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    @Test("masked keys get probability 0 in a reused buffer that held NaN", arguments: Backends.names)
    func maskedProbabilitiesAreWritten(backend name: String) throws {
        try Backends.with(#require(Backends.named(name))) {
            let masks = [AttentionMask(keyLengths: [4, 2]), AttentionMask(causal: true),
                         AttentionMask(causal: true, keyLengths: [6, 3])]
            for mask in masks {
                let (output, gradV) = Self.expected(mask)
                // Buffers of the probabilities' size, left holding NaN in the allocator's cache.
                do {
                    let count = Self.batch * Self.heads * Self.queries * Self.keys
                    let poisoned = (0..<16).map { _ in Tensor(repeating: .nan, shape: [count]) }
                    #expect(poisoned.allSatisfy { $0.scalars.allSatisfy(\.isNaN) })
                }
                let got = Self.run(mask)
                #expect(Self.largestDifference(got[0], output) <= 1e-5, "output (mask \(mask))")
                #expect(Self.largestDifference(got[3], gradV) <= 1e-5, "dV (mask \(mask))")
                #expect(got[1].allSatisfy(\.isFinite) && got[2].allSatisfy(\.isFinite), "dQ, dK (mask \(mask))")
            }
        }
    }
}
