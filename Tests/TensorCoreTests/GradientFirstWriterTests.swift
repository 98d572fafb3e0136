import Foundation
import Testing
import TensorCore

/// The first writer of an interior gradient (linear, matmul and permute backward) sets it in
/// unzeroed memory from the caching allocator instead of adding into zeros (`TapeNode.gradTarget`);
/// later writers add. A writer that added into, or skipped part of, a reused buffer would read what
/// the buffer's last tensor left: here NaN.
@Suite struct GradientFirstWriterTests {
    // x: (7, 13) → u = 2x → branch 1: v = uᵀ (13, 7), y1 = v·Wᵀ + b (13, 5), L1 = Σ C1 ⊙ y1;
    // branch 2: y2 = u·M (7, 3), L2 = Σ C2 ⊙ y2. u has two consumers: its gradient is written by
    // one backward and added to by the other.
    static let (rows, cols, out, side) = (7, 13, 5, 3)

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 7 + seed * 13) * 0.37)) }
    }

    /// dL/dx by hand: 2 · ((C1·W)ᵀ + C2·Mᵀ).
    static func expectedGradient() -> [Float] {
        let (w, c1, m, c2) = (values(out * rows, seed: 2), values(cols * out, seed: 4),
                              values(cols * side, seed: 5), values(rows * side, seed: 6))
        var g = [Float](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            for j in 0..<cols {
                // (C1·W)[j][i] = Σ_o C1[j][o] W[o][i];  (C2·Mᵀ)[i][j] = Σ_s C2[i][s] M[j][s]
                var a: Float = 0
                for o in 0..<out { a += c1[j * out + o] * w[o * rows + i] }
                var b: Float = 0
                for s in 0..<side { b += c2[i * side + s] * m[j * side + s] }
                g[i * cols + j] = 2 * (a + b)
            }
        }
        return g
    }

    @Test("a reused buffer holding NaN does not leak into the first writer's gradient", arguments: Backends.names)
    func firstWriterOverwrites(backend name: String) throws {
        try Backends.with(#require(Backends.named(name))) { firstWriterOverwrites() }
    }

    func firstWriterOverwrites() {
        do {
            let (rows, cols, out, side) = (Self.rows, Self.cols, Self.out, Self.side)
            // Buffers of the interior gradients' size, left holding NaN in the allocator's cache.
            do {
                let poisoned = (0..<16).map { _ in Tensor(repeating: .nan, shape: [rows, cols]) }
                #expect(poisoned.allSatisfy { $0.scalars.allSatisfy { $0.isNaN } })
            }
            let x = Tensor(shape: [rows, cols], data: Self.values(rows * cols, seed: 1))
            let w = Tensor(shape: [out, rows], data: Self.values(out * rows, seed: 2))
            let b = Tensor(shape: [out], data: Self.values(out, seed: 3))
            let c1 = Tensor(shape: [cols, out], data: Self.values(cols * out, seed: 4))
            let m = Tensor(shape: [cols, side], data: Self.values(cols * side, seed: 5))
            let c2 = Tensor(shape: [rows, side], data: Self.values(rows * side, seed: 6))
            // The backward runs newest first: with the matmul recorded last it writes u's gradient
            // first (GEMM, beta 0) and the permute adds; in the other order the permute writes
            // first (a strided copy) and the matmul adds (beta 1).
            for matmulLast in [true, false] {
                let (_, grads) = GradientTape.valueAndGradient(at: [x]) { p in
                    let u = p[0] * 2
                    if matmulLast {
                        let y1 = u.permuted([1, 0]).linear(weight: w, bias: b)
                        return (y1 * c1).sum() + (u.matmul(m) * c2).sum()
                    }
                    let y2 = u.matmul(m)
                    return (y2 * c2).sum() + (u.permuted([1, 0]).linear(weight: w, bias: b) * c1).sum()
                }
                let got = grads[0].scalars, expected = Self.expectedGradient()
                #expect(got.allSatisfy { $0.isFinite }, "NaN from a reused buffer reached the gradient (matmul last: \(matmulLast))")
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 1e-5, "largest difference from the hand-computed gradient: \(worst) (matmul last: \(matmulLast))")
            }
        }
    }

    @Test("elementwise first writers (copy, negate, product with the other operand) ignore a NaN buffer", arguments: Backends.names)
    func elementwiseFirstWriters(backend name: String) throws {
        try Backends.with(#require(Backends.named(name))) { elementwiseFirstWriters() }
    }

    func elementwiseFirstWriters() {
        let (rows, cols) = (Self.rows, Self.cols)
        do {
            let poisoned = (0..<16).map { _ in Tensor(repeating: .nan, shape: [rows, cols]) }
            #expect(poisoned.allSatisfy { $0.scalars.allSatisfy { $0.isNaN } })
        }
        let x = Tensor(shape: [rows, cols], data: Self.values(rows * cols, seed: 7))
        let row = Tensor(shape: [1, cols], data: Self.values(cols, seed: 8))
        let r = Tensor(shape: [rows, cols], data: Self.values(rows * cols, seed: 9))
        let q = Tensor(shape: [rows, 1], data: Self.values(rows, seed: 10))
        let c = Tensor(shape: [rows, cols], data: Self.values(rows * cols, seed: 11))
        // Each interior value's one consumer writes its gradient first: t0 ← multiply by a scalar
        // (dY·s), t1 ← add (copy), t2 ← negate,
        // t3 ← subtract's first operand (copy), t4 ← subtract's second (−dY), t5 ← multiply by a
        // stretched q (dY·q), t6 ← add of a scalar (copy).
        let (_, grads) = GradientTape.valueAndGradient(at: [x]) { p in
            let t0 = p[0] * 1.5
            let t1 = t0 * 2
            let t2 = t1 + row
            let t3 = -t2
            let t4 = t3 - r
            let t5 = r - t4
            let t6 = t5 * q
            return ((t6 + 0.5) * c).sum()
        }
        // dL/dx = 3 · c · q (the signs cancel: −(−1)).
        let (cs, qs) = (c.scalars, q.scalars)
        let expected = (0..<rows * cols).map { 3 * cs[$0] * qs[$0 / cols] }
        let got = grads[0].scalars
        #expect(got.allSatisfy { $0.isFinite }, "NaN from a reused buffer reached the gradient")
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "largest difference from 3 · c · q: \(worst)")
    }
}
