import CBLAS
import CVectorMath

extension CPUBackend {
    /// `C = alpha·op(A)·op(B) + beta·C` with OpenBLAS, split into fixed blocks that run in parallel.
    ///
    /// Small products (under ~2M multiply-adds) run as one single-threaded call. Larger ones are cut
    /// along the longer of m and n into blocks of about 256 (a multiple of 16, fixed by the shape):
    /// large enough that re-packing the shared operand per block costs a few percent, small enough
    /// that 2–8 cores stay balanced. When m and n are both too short to cut (weight gradients: small
    /// C, long k) k is cut instead: each block writes a partial product to scratch and the partials
    /// are added in block order, so the result still does not depend on the thread count.
    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
             beta: beta, c: c, ldc: ldc, rowSumsOfA: nil)
    }

    /// dW (+)= dYᵀ·X through `gemm`, with db += Σ_rows dY summed from the packed dYᵀ (its rows are
    /// dY's columns) instead of another pass over dY: `addColumnSums` was 2.3 % of the CLIP step,
    /// waiting on memory.
    public func linearParameterGradients(gradOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                         inFeatures: Int, outFeatures: Int, gradWeight: UnsafeMutablePointer<Float>?,
                                         accumulateWeight: Bool, gradBias: UnsafeMutablePointer<Float>?) {
        guard let gradWeight else {
            if let gradBias { addColumnSums(gradOutput, rows: rows, cols: outFeatures, into: gradBias) }
            return
        }
        gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, alpha: 1, a: gradOutput, lda: outFeatures,
             b: input, ldb: inFeatures, beta: accumulateWeight ? 1 : 0, c: gradWeight, ldc: inFeatures, rowSumsOfA: gradBias)
    }

    /// `gemm`, and with `rowSumsOfA` also `rowSumsOfA[i] += Σ_p op(A)[i][p]` (alpha 1), summed where
    /// A is packed anyway (`sgemm`): in the fixed blocks of k when k is cut (the blocks' sums added
    /// in block order), so the bits do not depend on the thread count either.
    func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rowSumsOfA: UnsafeMutablePointer<Float>?) {
        Self.checkGemm(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        precondition(rowSumsOfA == nil || alpha == 1, "gemm: row sums of A need alpha 1, got \(alpha)")
        if m == 0 { return }
        if n == 0 {
            if let rowSumsOfA { Self.addRowSums(transA: transA, m: m, k: k, a: a, lda: lda, into: rowSumsOfA) }
            return
        }
        let split = GemmSplit(m: m, n: n, k: k)
        if split.blocks == 1 {
            Self.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, rowSumsOfA: rowSumsOfA)
            return
        }
        switch split.axis {
        case .rows:
            // C: (m, n) cut into row blocks
            Parallel.forEach(range: m, blockSize: split.blockSize) { rows in
                Self.sgemm(transA: transA, transB: transB, m: rows.count, n: n, k: k, alpha: alpha,
                           a: transA ? a + rows.lowerBound : a + rows.lowerBound * lda, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc, rowSumsOfA: rowSumsOfA.map { $0 + rows.lowerBound })
            }
        case .columns:
            // C: (m, n) cut into column blocks; every block packs all of A, the first one sums it
            Parallel.forEach(range: n, blockSize: split.blockSize) { columns in
                Self.sgemm(transA: transA, transB: transB, m: m, n: columns.count, k: k, alpha: alpha,
                           a: a, lda: lda, b: transB ? b + columns.lowerBound * ldb : b + columns.lowerBound, ldb: ldb,
                           beta: beta, c: c + columns.lowerBound, ldc: ldc, rowSumsOfA: columns.lowerBound == 0 ? rowSumsOfA : nil)
            }
        case .inner:
            ScratchPool.withBuffer(count: split.blocks * m * n + (rowSumsOfA == nil ? 0 : split.blocks * m)) { partials in
                // op(A): (m, k) and op(B): (k, n) cut along k; partials: (blocks, m, n), then the
                // blocks' row sums of op(A): (blocks, m)
                let partialSums: UnsafeMutablePointer<Float>? = rowSumsOfA == nil ? nil : partials + split.blocks * m * n
                partialSums?.update(repeating: 0, count: split.blocks * m)
                Parallel.forEach(range: k, blockSize: split.blockSize) { inner in
                    let (start, block) = (inner.lowerBound, inner.lowerBound / split.blockSize)
                    Self.sgemm(transA: transA, transB: transB, m: m, n: n, k: inner.count, alpha: alpha,
                               a: transA ? a + start * lda : a + start, lda: lda,
                               b: transB ? b + start : b + start * ldb, ldb: ldb,
                               beta: 0, c: partials + block * m * n, ldc: n, rowSumsOfA: partialSums.map { $0 + block * m })
                }
                if let rowSumsOfA, let partialSums {
                    for i in 0..<m {
                        var total = partialSums[i]
                        for block in 1..<split.blocks { total += partialSums[block * m + i] }
                        rowSumsOfA[i] += total
                    }
                }
                // C = beta·C + Σ partials, added in block order: each row's total gathered in block
                // 0's row, whole rows at a time (contiguous, so the adds run in vectors)
                Parallel.forEach(range: m, blockSize: max(1, (1 << 14) / n)) { rows in
                    for i in rows {
                        let (row, total) = (c + i * ldc, partials + i * n)
                        for block in 1..<split.blocks {
                            let part = partials + (block * m + i) * n
                            for j in 0..<n { total[j] += part[j] }
                        }
                        if beta == 0 {  // BLAS: beta 0 ignores C
                            row.update(from: total, count: n)
                        } else {
                            for j in 0..<n { row[j] = beta * row[j] + total[j] }
                        }
                    }
                }
            }
        }
    }

    /// `gemm` on `batch` matrices in parallel, in fixed blocks of whole matrices (a single matrix uses `gemm`'s split).
    public func batchedGemm(batch: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, strideA: Int, b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int) {
        precondition(batch >= 0, "batchedGemm: negative batch \(batch)")
        Self.checkGemm(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        if batch == 0 || m == 0 || n == 0 { return }
        if batch == 1 {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        // Enough matrices per block that a block is worth a hand-off (~256K multiply-adds).
        let perBlock = max(1, min(batch, (1 << 18) / max(1, m * n * max(k, 1))))
        // a, b, c: `batch` matrices strideA / strideB / strideC elements apart
        Parallel.forEach(range: batch, blockSize: perBlock) { range in
            for index in range {
                Self.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                           a: a + index * strideA, lda: lda, b: b + index * strideB, ldb: ldb,
                           beta: beta, c: c + index * strideC, ldc: ldc)
            }
        }
    }

    /// One single-threaded `cblas_sgemm` call (k = 0 just scales C, which OpenBLAS's argument checks would refuse).
    /// With `rowSumsOfA` (alpha 1), also `rowSumsOfA[i] += Σ_p op(A)[i][p]`, each row summed from 0
    /// in p order (from the packed A on the packed path, `t2i_gemm_packed_row_sums`: the same bits).
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rowSumsOfA: UnsafeMutablePointer<Float>? = nil) {
        if m == 0 { return }
        if VectorISA.active == .avx512 && !transB && (beta == 0 || beta == 1) && n > 0 && k > 0 && alpha != 0 {
            packedSgemm(transA: transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                        accumulate: beta == 1, c: c, ldc: ldc, rowSumsOfA: rowSumsOfA)
            return
        }
        if let rowSumsOfA { addRowSums(transA: transA, m: m, k: k, a: a, lda: lda, into: rowSumsOfA) }
        if n == 0 { return }
        if k == 0 || alpha == 0 {
            // C: (m, n) row stride ldc
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 {
                    row.update(repeating: 0, count: n)  // BLAS: beta 0 ignores C, even NaN
                } else if beta != 1 {
                    for j in 0..<n { row[j] *= beta }
                }
            }
            if k == 0 { return }
            if alpha == 0 { return }
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `sgemm` on AVX-512 through t2i's packed GEMM (`VectorISA.gemmPacked`) for op(B) = B:
    /// alpha·op(A) packed into panels of 16 rows (or, for A itself with alpha 1, read in place:
    /// `VectorISA.gemmRows`, the same bits), B read in place, each element of C one chain of
    /// fused multiply-adds over k (then added to C: `accumulate`). OpenBLAS picks its kernels by CPU
    /// model and may run 256-bit ones on a 512-bit machine (an `OPENBLAS_CORETYPE` set for the
    /// machine, or a model it does not know); this runs at the width the CPU has. (With Bᵀ, B would
    /// have to be transposed first: measured slower than OpenBLAS for attention's q·kᵀ, so those
    /// stay there.)
    static func packedSgemm(transA: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
                            rowSumsOfA: UnsafeMutablePointer<Float>? = nil) {
        if !transA && alpha == 1 && rowSumsOfA == nil {  // A read in place: the same bits without packing
            VectorISA.active.gemmRows(a, lda: lda, m: m, k: k, b: b, ldb: ldb, n: n, c: c, ldc: ldc, accumulate: accumulate)
            return
        }
        let packedCount = VectorISA.packedCount(m: m, k: k)
        ScratchPool.withBuffer(count: packedCount) { packed in
            // packed: (⌈m/16⌉, k, 16) of alpha·op(A)
            VectorISA.pack(a, lda: lda, transposed: transA, m: m, k: k, into: packed)
            if let rowSumsOfA { t2i_gemm_packed_row_sums(packed, Int32(m), Int32(k), rowSumsOfA) }
            if alpha != 1 { for i in 0..<packedCount { packed[i] *= alpha } }
            VectorISA.active.gemmPacked(packed, m: m, k: k, b: b, ldb: ldb, n: n, c: c, ldc: ldc, accumulate: accumulate)
        }
    }

    /// `sums[i] += Σ_p op(A)[i][p]`, each row summed from 0 in p order (`t2i_gemm_packed_row_sums`'s bits).
    static func addRowSums(transA: Bool, m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, into sums: UnsafeMutablePointer<Float>) {
        for i in 0..<m {
            var total: Float = 0
            for p in 0..<k { total += transA ? a[p * lda + i] : a[i * lda + p] }
            sums[i] += total
        }
    }

    static func checkGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m \(m) n \(n) k \(k)")
        precondition(lda >= max(1, transA ? m : k), "gemm: lda \(lda) too small for \(transA ? "Aᵀ" : "A") of \(m)×\(k)")
        precondition(ldb >= max(1, transB ? k : n), "gemm: ldb \(ldb) too small for \(transB ? "Bᵀ" : "B") of \(k)×\(n)")
        precondition(ldc >= max(1, n), "gemm: ldc \(ldc) too small for C of \(m)×\(n)")
        precondition(max(m, n, k) <= Int(Int32.max), "gemm: size beyond OpenBLAS's 32-bit indices")
    }
}

extension CPUBackend {
    /// How `CPUBackend.gemm` cuts a product into blocks: a function of (m, n, k) only, never of the thread count.
    struct GemmSplit {
        enum Axis { case rows, columns, inner }

        /// The dimension that is cut: C's rows (m), C's columns (n) or the inner dimension (k).
        let axis: Axis
        /// Indices of the cut dimension per block (the last block may be shorter).
        let blockSize: Int
        /// Number of blocks.
        let blocks: Int

        /// Below this many multiply-adds a product runs as one call.
        static let minimumParallelWork = 1 << 21
        /// Preferred block length along the cut dimension.
        static let preferredBlock = 256
        /// Most inner-dimension blocks (each needs an m×n partial in scratch).
        static let maximumInnerBlocks = 8

        init(m: Int, n: Int, k: Int) {
            let work = m * n * k
            let outer = Self.cut(length: max(m, n), work: work)
            if work < Self.minimumParallelWork {
                (axis, blockSize, blocks) = (.rows, m, 1)
            } else if outer.blocks > 1 || k < 2 * Self.preferredBlock {
                (axis, blockSize, blocks) = (m >= n ? .rows : .columns, outer.size, outer.blocks)
            } else {
                let count = min(Self.maximumInnerBlocks, k / Self.preferredBlock)
                let size = ((k + count - 1) / count + 15) / 16 * 16
                (axis, blockSize, blocks) = (.inner, size, (k + size - 1) / size)
            }
        }

        /// Blocks of ~`preferredBlock` (multiples of 16, an even count when more than one) along a
        /// dimension of `length`, each still holding ≥ minimumParallelWork / 2 multiply-adds.
        private static func cut(length: Int, work: Int) -> (size: Int, blocks: Int) {
            guard length >= 32, work >= minimumParallelWork else { return (max(length, 1), 1) }
            let perLine = max(1, work / length)
            let byWork = max(1, length / max(1, (minimumParallelWork / 2) / perLine))
            var count = min(byWork, (length + preferredBlock - 1) / preferredBlock)
            if count > 1 && count % 2 == 1 { count += 1 }  // even counts balance on 2, 4, 8 cores
            count = max(1, min(count, byWork, length / 16))
            let size = ((length + count - 1) / count + 15) / 16 * 16
            return (size, (length + size - 1) / size)
        }
    }
}
