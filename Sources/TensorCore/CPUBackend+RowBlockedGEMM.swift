extension CPUBackend {
    /// Most rows per call of `rowBlockedGemm`.
    public static let rowBlock = 64

    /// `C = alpha·A·op(B) + beta·C` computed so that each row of C depends only on its own row of A
    /// and on its place within its item (image), never on how many items there are: the batch
    /// invariance behind "image *i* of a batch equals the single image of seed *s + i*" (DESIGN §2).
    ///
    /// With alpha 1 and beta 0 or 1 (every caller: `linear`, `matmul` with shared weights) the packed
    /// GEMM does it (`packedRowGemm`), where a row's result cannot depend on anything but its row.
    /// Otherwise, through OpenBLAS: A's `m` rows are `m / rowsPerItem` items of `rowsPerItem`
    /// consecutive rows (an image's tokens). Each item is multiplied on its own, in calls of
    /// `min(rowsPerItem, rowBlock)` rows starting at the item's first row, so every item goes through
    /// calls of the same shapes with its rows at the same positions whatever the batch. Both matter: OpenBLAS picks its kernel from (m, n, k)
    /// (0.3.21's small-matrix kernel below m·n ≤ 1200 on AVX-512), and within one call a row's
    /// rounding depends on its position (on an AVX2 Zen core, rows 6–11 of every 12 and a call's last
    /// rows are summed differently from rows 0–5), so blocks of a fixed size that cut across images
    /// at batch-dependent places are not enough.
    public func rowBlockedGemm(transB: Bool, m: Int, n: Int, k: Int, rowsPerItem: Int, alpha: Float,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?) {
        Self.checkGemm(transA: false, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        precondition(rowsPerItem >= 1 && m % rowsPerItem == 0, "rowBlockedGemm: \(m) rows are not items of \(rowsPerItem)")
        precondition(bias == nil || beta == 0, "rowBlockedGemm: a bias needs beta 0, got \(beta)")
        if m == 0 || n == 0 { return }
        if alpha == 1 && (beta == 0 || beta == 1) {
            // The bias starts each chain's sum in the kernel's store (no pass filling C with it).
            packedRowGemm(transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, accumulate: beta == 1, bias: bias,
                          c: c, ldc: ldc)
            return
        }
        var beta = beta
        if let bias {  // OpenBLAS: C starts as the bias rows
            copyRows(rows: m, length: n, source: bias, sourceStride: 0, destination: c, destinationStride: ldc, accumulate: false)
            beta = 1
        }
        let chunk = min(rowsPerItem, Self.rowBlock)
        let chunksPerItem = (rowsPerItem + chunk - 1) / chunk
        let calls = (m / rowsPerItem) * chunksPerItem
        // Enough calls per parallel block for about rowBlock rows of work (grouping never changes a result).
        let perBlock = max(1, Self.rowBlock / chunk)
        // A: (items, rowsPerItem, k) cut into chunks at each item's start; C: (m, n) likewise
        Parallel.forEach(range: calls, blockSize: perBlock) { range in
            for call in range {
                let (item, part) = call.quotientAndRemainder(dividingBy: chunksPerItem)
                let start = item * rowsPerItem + part * chunk
                let rows = min(chunk, rowsPerItem - part * chunk)
                Self.sgemm(transA: false, transB: transB, m: rows, n: n, k: k, alpha: alpha, a: a + start * lda, lda: lda,
                           b: b, ldb: ldb, beta: beta, c: c + start * ldc, ldc: ldc)
            }
        }
    }

    /// `C = A·op(B)` (or `C += A·op(B)`) through the packed GEMM's chains with A's rows taken block by
    /// block (`VectorISA.gemmRows`) and op(B) read in place (transposed once into scratch when
    /// `transB`): every element of C is one chain of fused multiply-adds over k, so a row of C depends on its
    /// row of A alone, whatever the blocks, the items or the batch. OpenBLAS, called per item,
    /// re-packed B (a layer's weights) for every image's tokens: `sgemm_incopy` took 10 % of `t2i
    /// bench generate`.
    private func packedRowGemm(transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                               b: UnsafePointer<Float>, ldb: Int, accumulate: Bool, bias: UnsafePointer<Float>?,
                               c: UnsafeMutablePointer<Float>, ldc: Int) {
        let isa = VectorISA.active
        ScratchPool.withBuffer(count: transB ? k * n : 0) { transposed in
            // op(B): (k, n) with rows contiguous; b is (n, k) with row stride ldb when transB
            if transB {
                // b: (n, k) → (k, n), blocks of 64 rows of b in parallel, each in 16 × 16 tiles
                Parallel.forEach(range: n, blockSize: 64) { rows in
                    VectorISA.transpose(b + rows.lowerBound * ldb, ldx: ldb, rows: rows.count, columns: k,
                                        into: transposed + rows.lowerBound, ldo: n)
                }
            }
            let (bRows, bStride) = transB ? (UnsafePointer(transposed), n) : (b, ldb)
            // A: (m, k) in blocks of rowBlock rows
            Parallel.forEach(range: m, blockSize: Self.rowBlock) { rows in
                isa.gemmRows(a + rows.lowerBound * lda, lda: lda, m: rows.count, k: k, b: bRows, ldb: bStride, n: n,
                             c: c + rows.lowerBound * ldc, ldc: ldc, accumulate: accumulate, bias: bias)
            }
        }
    }
}
