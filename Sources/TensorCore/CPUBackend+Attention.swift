import CBLAS

extension CPUBackend {
    /// Scaled dot-product attention, parallel over fixed blocks of heads; scores and outputs by GEMM.
    ///
    /// Per head: `probs = scale·q·kᵀ` (GEMM straight into `probs`), masks applied in place, a row
    /// softmax (masked keys get exactly 0, a fully masked row all zeros), then `out = probs·v`.
    public func attentionForward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 output: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                 batchHeads: Int, queryLength: Int, keyLength: Int, headDim: Int, scale: Float,
                                 mask: AttentionMask, layout: AttentionLayout) {
        let (lq, lk, d) = (queryLength, keyLength, headDim)
        Self.checkAttention(batchHeads: batchHeads, queryLength: lq, keyLength: lk, headDim: d, mask: mask)
        layout.check(batchHeads: batchHeads)
        let ld = layout.rowStride(headDim: d)
        let additiveSlices = mask.additive.map { $0.count / max(1, lq * lk) } ?? 0
        mask.additive.withOptionalBuffer { additive in
            // q: (BH, Lq, D)  k, v: (BH, Lk, D)  probs: (BH, Lq, Lk)  out: (BH, Lq, D), each head's rows `ld` apart
            Parallel.forEach(range: batchHeads, blockSize: Self.headsPerBlock(lq, lk, d)) { heads in
                for bh in heads {
                    let (qo, ko) = (layout.offset(head: bh, length: lq, headDim: d), layout.offset(head: bh, length: lk, headDim: d))
                    let (qh, kh, vh) = (q + qo, k + ko, v + ko)
                    let p = probs + bh * lq * lk
                    Self.headGemm(transA: false, transB: true, m: lq, n: lk, k: d, alpha: scale,
                                  a: qh, lda: ld, b: kh, ldb: ld, beta: 0, c: p, ldc: lk)
                    let b = bh / mask.heads
                    let visibleKeys = min(lk, mask.keyLengths.map { $0[b] } ?? lk)
                    let bias = additive.map { $0 + (additiveSlices == 1 ? 0 : b * lq * lk) }
                    for i in 0..<lq {
                        let row = p + i * lk
                        if let bias {
                            let biasRow = bias + i * lk
                            for j in 0..<lk { row[j] += biasRow[j] }
                        }
                        // Keys from `visible` on are masked (padding, and j > i if causal): probability 0,
                        // so the softmax runs over the visible prefix only.
                        let visible = max(0, mask.causal ? min(visibleKeys, i + 1) : visibleKeys)
                        (row + visible).update(repeating: 0, count: lk - visible)
                        Self.softmaxRow(row, row, count: visible)
                    }
                    Self.headGemm(transA: false, transB: false, m: lq, n: d, k: lk, alpha: 1,
                                  a: p, lda: lk, b: vh, ldb: ld, beta: 0, c: output + qo, ldc: ld)
                }
            }
        }
    }

    /// Attention gradients from the saved `probs`, accumulated; per head, four GEMMs and a softmax backward.
    ///
    /// `dV += Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ += scale·dS·K`,
    /// `dK += scale·dSᵀ·Q` (the softmax Jacobian as in llm.c `attention_backward`). Masked keys have
    /// P = 0, so they get no gradient without the mask being passed again.
    public func attentionBackward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                  probs: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradQ: UnsafeMutablePointer<Float>?, gradK: UnsafeMutablePointer<Float>?,
                                  gradV: UnsafeMutablePointer<Float>?, batchHeads: Int, queryLength: Int,
                                  keyLength: Int, headDim: Int, scale: Float, layout: AttentionLayout,
                                  overwriting: AttentionGradients) {
        let (lq, lk, d) = (queryLength, keyLength, headDim)
        // GEMM's beta: 0 sets a gradient (each head's rows are written whole), 1 adds to it.
        let (betaQ, betaK, betaV): (Float, Float, Float) = (overwriting.contains(.query) ? 0 : 1,
                                                           overwriting.contains(.key) ? 0 : 1,
                                                           overwriting.contains(.value) ? 0 : 1)
        Self.checkAttention(batchHeads: batchHeads, queryLength: lq, keyLength: lk, headDim: d, mask: .none)
        layout.check(batchHeads: batchHeads)
        if lq == 0 || lk == 0 {  // no products: the gradients are 0, so a set one is zeroed
            overwriting.zero(gradQ: gradQ, gradK: gradK, gradV: gradV, queryCount: batchHeads * lq * d, keyCount: batchHeads * lk * d)
            return
        }
        let ld = layout.rowStride(headDim: d)
        let needScores = gradQ != nil || gradK != nil
        // q, dq, dO: (BH, Lq, D)  k, v, dk, dv: (BH, Lk, D)  probs, dS: (BH, Lq, Lk); head rows `ld` apart
        Parallel.forEach(range: batchHeads, blockSize: Self.headsPerBlock(lq, lk, d)) { heads in
            ScratchPool.withBuffer(count: needScores ? lq * lk : 0) { dS in
                for bh in heads {
                    let (qo, ko) = (layout.offset(head: bh, length: lq, headDim: d), layout.offset(head: bh, length: lk, headDim: d))
                    let (qh, kh, vh) = (q + qo, k + ko, v + ko)
                    let (p, dO) = (probs + bh * lq * lk, gradOutput + qo)
                    if let gradV {
                        Self.headGemm(transA: true, transB: false, m: lk, n: d, k: lq, alpha: 1,
                                      a: p, lda: lk, b: dO, ldb: ld, beta: betaV, c: gradV + ko, ldc: ld)
                    }
                    guard needScores else { continue }
                    Self.headGemm(transA: false, transB: true, m: lq, n: lk, k: d, alpha: 1,
                                  a: dO, lda: ld, b: vh, ldb: ld, beta: 0, c: dS, ldc: lk)
                    for i in 0..<lq {
                        let (pRow, dRow) = (p + i * lk, dS + i * lk)
                        let dot = Self.dot(pRow, dRow, count: lk)
                        for j in 0..<lk { dRow[j] = pRow[j] * (dRow[j] - dot) }
                    }
                    if let gradQ {
                        Self.headGemm(transA: false, transB: false, m: lq, n: d, k: lk, alpha: scale,
                                      a: dS, lda: lk, b: kh, ldb: ld, beta: betaQ, c: gradQ + qo, ldc: ld)
                    }
                    if let gradK {
                        Self.headGemm(transA: true, transB: false, m: lk, n: d, k: lq, alpha: scale,
                                      a: dS, lda: lk, b: qh, ldb: ld, beta: betaK, c: gradK + ko, ldc: ld)
                    }
                }
            }
        }
    }

    /// One head's product through OpenBLAS, whatever the CPU: at attention's sizes (a head's 16–65
    /// rows) the packed GEMM (`sgemm` on AVX-512: pack A, then 16-row panels) was 1.4–2.2× slower
    /// (single-threaded, best of 15: m 65, n 32, k 65 NN 4.02 against 2.49 µs, TN 5.33 against 2.47 µs).
    static func headGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Heads per parallel block: about 256K multiply-adds of score GEMM, fixed by the shape.
    static func headsPerBlock(_ lq: Int, _ lk: Int, _ d: Int) -> Int {
        max(1, (1 << 18) / max(1, lq * lk * max(d, 1)))
    }

    static func checkAttention(batchHeads: Int, queryLength: Int, keyLength: Int, headDim: Int, mask: AttentionMask) {
        precondition(batchHeads >= 0 && queryLength >= 0 && keyLength >= 0 && headDim > 0,
                     "attention: invalid shape BH \(batchHeads) Lq \(queryLength) Lk \(keyLength) D \(headDim)")
        precondition(batchHeads % mask.heads == 0, "attention: \(batchHeads) batch·heads not divisible by \(mask.heads) heads")
        let batch = batchHeads / mask.heads
        if let lengths = mask.keyLengths {
            precondition(lengths.count == batch, "attention: \(lengths.count) key lengths for batch \(batch)")
        }
        if let additive = mask.additive {
            let slice = queryLength * keyLength
            precondition(additive.count == slice || additive.count == batch * slice,
                         "attention: additive mask of \(additive.count) values is neither (1, \(queryLength), \(keyLength)) nor (\(batch), \(queryLength), \(keyLength))")
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with the array's storage, or nil.
    fileprivate func withOptionalBuffer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
