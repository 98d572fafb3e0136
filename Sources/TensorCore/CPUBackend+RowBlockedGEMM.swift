import CBLAS

extension CPUBackend {
    /// Rows per call of `rowBlockedGemm`.
    public static let rowBlock = 64

    /// `C = alpha·A·op(B) + beta·C` computed so that each row of C depends only on its own row of A,
    /// never on how many rows there are: the batch invariance behind "image *i* of a batch equals
    /// the single image of seed *s + i*" (DESIGN §2).
    ///
    /// `gemm` chooses its split and OpenBLAS chooses its kernel from (m, n, k) — OpenBLAS 0.3.21
    /// switches to a small-matrix kernel when m·n ≤ 1200, and `gemm` cuts k for short m — so a row's
    /// rounding could change with the batch size. Here every call has exactly `rowBlock` rows and
    /// the whole k: full blocks run in place, the last partial block is zero-padded in scratch.
    public func rowBlockedGemm(transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Self.checkGemm(transA: false, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        if m == 0 || n == 0 { return }
        let r = Self.rowBlock
        // A: (m, k) in blocks of r rows; C: (m, n) likewise
        Parallel.forEach(range: (m + r - 1) / r, blockSize: 1) { blocks in
            for block in blocks {
                let start = block * r, rows = min(r, m - start)
                if rows == r {
                    Self.sgemm(transA: false, transB: transB, m: r, n: n, k: k, alpha: alpha, a: a + start * lda, lda: lda,
                               b: b, ldb: ldb, beta: beta, c: c + start * ldc, ldc: ldc)
                    continue
                }
                ScratchPool.withBuffer(count: r * (k + n)) { scratch in
                    let pa = scratch, pc = scratch + r * k
                    // padded A: (r, k) with rows ≥ `rows` zero; padded C: (r, n)
                    for i in 0..<r {
                        if i < rows {
                            (pa + i * k).update(from: a + (start + i) * lda, count: k)
                            (pc + i * n).update(from: c + (start + i) * ldc, count: n)
                        } else {
                            (pa + i * k).update(repeating: 0, count: k)
                            (pc + i * n).update(repeating: 0, count: n)
                        }
                    }
                    Self.sgemm(transA: false, transB: transB, m: r, n: n, k: k, alpha: alpha, a: pa, lda: k,
                               b: b, ldb: ldb, beta: beta, c: pc, ldc: n)
                    for i in 0..<rows { (c + (start + i) * ldc).update(from: pc + i * n, count: n) }
                }
            }
        }
    }
}
