import Foundation
import Testing
import TensorCore
import Diffusion

/// The matrix functions and the Fréchet distance behind `t2i eval generation`.
@Suite("generation metrics")
struct GenerationMetricsTests {
    /// A random orthogonal n×n matrix (Gram–Schmidt on Gaussian columns), row-major.
    static func orthogonal(_ n: Int, seed: UInt64) -> [Double] {
        var g = Philox(seed: seed)
        let x = g.normal([n, n]).scalars.map(Double.init)
        var q = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var v = (0..<n).map { x[$0 * n + j] }
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<n { dot += v[i] * q[i * n + k] }
                for i in 0..<n { v[i] -= dot * q[i * n + k] }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in 0..<n { q[i * n + j] = v[i] / norm }
        }
        return q
    }

    /// Q·diag(d)·Qᵀ.
    static func compose(_ q: [Double], _ d: [Double]) -> [Double] {
        let n = d.count
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { out[i * n + j] += q[i * n + k] * d[k] * q[j * n + k] } } }
        return out
    }

    @Test("square root of [[5, 4], [4, 5]] is [[2, 1], [1, 2]]")
    func knownSquareRoot() {
        let root = SymmetricEigen.squareRoot([5, 4, 4, 5], n: 2)
        for (a, b) in zip(root, [2.0, 1, 1, 2]) { #expect(abs(a - b) < 1e-12) }
    }

    @Test("eigenvalues and square root of a 40×40 SPD matrix with known spectrum")
    func knownSpectrum() {
        let n = 40
        let q = Self.orthogonal(n, seed: 3)
        let spectrum = (0..<n).map { 0.01 + Double($0 * $0) / 7 }
        let a = Self.compose(q, spectrum)
        let eigen = SymmetricEigen(a, n: n)
        for (x, y) in zip(eigen.values, spectrum) { #expect(abs(x - y) < 1e-9 * max(1, y)) }
        let root = SymmetricEigen.squareRoot(a, n: n)
        let expected = Self.compose(q, spectrum.map { $0.squareRoot() })
        var worst = 0.0
        for (x, y) in zip(root, expected) { worst = max(worst, abs(x - y)) }
        #expect(worst < 1e-9)
    }

    @Test("FID of a feature set with itself is 0 within 1e-6")
    func selfDistance() {
        var g = Philox(seed: 11)
        let (count, dim) = (300, 24)
        let features = g.normal([count, dim]).scalars.enumerated().map { $0.element * Float(1 + $0.offset % dim) + Float($0.offset % 5) }
        let d = FrechetDistance.distance(features, countA: count, features, countB: count, dim: dim)
        #expect(abs(d) < 1e-6, "\(d)")
    }

    @Test("FID of two Gaussians with known means and commuting covariances")
    func knownGaussians() {
        let n = 6
        let q = Self.orthogonal(n, seed: 5)
        let d1 = [1.0, 2, 3, 4, 5, 6], d2 = [4.0, 1, 9, 0.25, 5, 2]
        let m1 = [Double](repeating: 0, count: n), m2 = [1.0, -2, 0, 0.5, 0, 3]
        // Σ₁ = Q D₁ Qᵀ and Σ₂ = Q D₂ Qᵀ commute, so tr((Σ₁Σ₂)^½) = Σ √(d₁d₂):
        // FID = ‖μ₁ − μ₂‖² + Σ (√d₁ − √d₂)².
        let expected = zip(m1, m2).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            + zip(d1, d2).reduce(0) { $0 + ($1.0.squareRoot() - $1.1.squareRoot()) * ($1.0.squareRoot() - $1.1.squareRoot()) }
        let d = FrechetDistance.distance(mean1: m1, covariance1: Self.compose(q, d1), mean2: m2, covariance2: Self.compose(q, d2))
        #expect(abs(d - expected) < 1e-9, "\(d) vs \(expected)")
        // A non-commuting pair in 1-D-per-axis form: diagonal vs rotated diagonal, checked against the
        // 2×2 closed form tr((Σ₁Σ₂)^½) = √(tr(Σ₁Σ₂) + 2√det(Σ₁Σ₂)).
        let s1 = [2.0, 0, 0, 0.5], s2 = [1.0, 0.6, 0.6, 1.5]
        let p = FrechetDistance.distance(mean1: [0, 0], covariance1: s1, mean2: [0, 0], covariance2: s2)
        let product = [s1[0] * s2[0] + s1[1] * s2[2], s1[0] * s2[1] + s1[1] * s2[3], s1[2] * s2[0] + s1[3] * s2[2], s1[2] * s2[1] + s1[3] * s2[3]]
        let trace = product[0] + product[3], det = product[0] * product[3] - product[1] * product[2]
        let expected2 = (s1[0] + s1[3] + s2[0] + s2[3]) - 2 * (trace + 2 * det.squareRoot()).squareRoot()
        #expect(abs(p - expected2) < 1e-12, "\(p) vs \(expected2)")
    }

    @Test("sample statistics: mean and unbiased covariance")
    func statistics() {
        let (mean, covariance) = FrechetDistance.statistics([1, 2, 3, 6], count: 2, dim: 2)
        #expect(mean == [2, 4])
        #expect(covariance == [2, 4, 4, 8])
    }
}
