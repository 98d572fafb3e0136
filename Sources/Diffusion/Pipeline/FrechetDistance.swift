/// The Fréchet distance between Gaussian fits of two feature sets (Heusel et al. 2017, the "FID"
/// formula): ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2·(Σ₁Σ₂)^½), in Double.
///
/// tr((Σ₁Σ₂)^½) is computed as tr((Σ₁^½ Σ₂ Σ₁^½)^½): the two matrices are similar, and the second
/// is symmetric positive semi-definite, so both square roots come from symmetric
/// eigendecompositions (`SymmetricEigen`) rather than the general `scipy.linalg.sqrtm` that
/// pytorch-fid uses. Which features it is computed on is the caller's business: t2i uses its own
/// CLIP image tower, so the figure is *not* comparable with Inception-v3 FID.
public enum FrechetDistance {
    /// Mean and (unbiased, n − 1) covariance of `count` rows of `dim` features (row-major).
    public static func statistics(_ features: [Float], count: Int, dim: Int) -> (mean: [Double], covariance: [Double]) {
        precondition(features.count == count * dim && count >= 2, "FrechetDistance: need ≥ 2 rows of \(dim) features, got \(features.count) values")
        var mean = [Double](repeating: 0, count: dim)
        for r in 0..<count { for j in 0..<dim { mean[j] += Double(features[r * dim + j]) } }
        for j in 0..<dim { mean[j] /= Double(count) }
        var covariance = [Double](repeating: 0, count: dim * dim)
        var centred = [Double](repeating: 0, count: dim)
        // features: (count, dim)  covariance: (dim, dim), upper triangle then mirrored
        for r in 0..<count {
            for j in 0..<dim { centred[j] = Double(features[r * dim + j]) - mean[j] }
            for i in 0..<dim {
                let ci = centred[i]
                for j in i..<dim { covariance[i * dim + j] += ci * centred[j] }
            }
        }
        for i in 0..<dim {
            for j in i..<dim {
                covariance[i * dim + j] /= Double(count - 1)
                covariance[j * dim + i] = covariance[i * dim + j]
            }
        }
        return (mean, covariance)
    }

    /// The distance between N(μ₁, Σ₁) and N(μ₂, Σ₂), each covariance `dim`×`dim` row-major.
    public static func distance(mean1: [Double], covariance1: [Double], mean2: [Double], covariance2: [Double]) -> Double {
        let n = mean1.count
        precondition(mean2.count == n && covariance1.count == n * n && covariance2.count == n * n,
                     "FrechetDistance: dimensions differ")
        var meanTerm = 0.0
        for i in 0..<n { meanTerm += (mean1[i] - mean2[i]) * (mean1[i] - mean2[i]) }
        let root1 = SymmetricEigen.squareRoot(covariance1, n: n)
        let middle = multiply(multiply(root1, covariance2, n), root1, n)
        let traceRoot = SymmetricEigen(middle, n: n).values.reduce(0) { $0 + max($1, 0).squareRoot() }
        var trace = 0.0
        for i in 0..<n { trace += covariance1[i * n + i] + covariance2[i * n + i] }
        return meanTerm + trace - 2 * traceRoot
    }

    /// The distance between the Gaussian fits of two feature sets of `dim` features per row.
    public static func distance(_ a: [Float], countA: Int, _ b: [Float], countB: Int, dim: Int) -> Double {
        let (m1, s1) = statistics(a, count: countA, dim: dim)
        let (m2, s2) = statistics(b, count: countB, dim: dim)
        return distance(mean1: m1, covariance1: s1, mean2: m2, covariance2: s2)
    }

    /// Row-major n×n product.
    static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        // a, b, c: (n, n)
        for i in 0..<n {
            for k in 0..<n {
                let aik = a[i * n + k]
                if aik == 0 { continue }
                for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
            }
        }
        return c
    }
}
