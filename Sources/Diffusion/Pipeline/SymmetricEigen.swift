/// Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method, in Double
/// (Golub & Van Loan, "Matrix Computations", §8.5): rotations zero the off-diagonal entries one pair
/// at a time until their norm is negligible. O(n³) per sweep and a handful of sweeps — meant for the
/// ≤ 128-dimensional feature covariances of the generation metrics, not for large matrices.
public struct SymmetricEigen: Sendable {
    /// The eigenvalues, ascending.
    public let values: [Double]
    /// The eigenvectors as columns of an n×n row-major matrix: column j belongs to `values[j]`.
    public let vectors: [Double]
    public let n: Int

    /// Decomposes the symmetric n×n row-major `matrix` (only its symmetric part is used).
    public init(_ matrix: [Double], n: Int) {
        precondition(matrix.count == n * n, "SymmetricEigen: \(matrix.count) entries is not \(n)×\(n)")
        self.n = n
        // a: (n, n) symmetrised working copy  v: (n, n) accumulated rotations
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]) } }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var scale = 0.0
        for x in a { scale += x * x }
        let tolerance = 1e-30 * max(scale, Double.leastNormalMagnitude)
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
            if off <= tolerance { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.5.1, sym.schur2).
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
        values = order.map { a[$0 * n + $0] }
        var sorted = [Double](repeating: 0, count: n * n)
        for (j, source) in order.enumerated() { for i in 0..<n { sorted[i * n + j] = v[i * n + source] } }
        vectors = sorted
    }

    /// V·diag(f(λ))·Vᵀ: a function of the matrix, row-major n×n.
    public func map(_ f: (Double) -> Double) -> [Double] {
        let d = values.map(f)
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var s = 0.0
                for k in 0..<n { s += vectors[i * n + k] * d[k] * vectors[j * n + k] }
                out[i * n + j] = s
                out[j * n + i] = s
            }
        }
        return out
    }

    /// The principal square root of a symmetric positive semi-definite n×n matrix (negative
    /// eigenvalues from rounding are clamped to 0).
    public static func squareRoot(_ matrix: [Double], n: Int) -> [Double] {
        SymmetricEigen(matrix, n: n).map { max($0, 0).squareRoot() }
    }
}
