// Matrix products through the backend's GEMM (OpenBLAS), with backward beside forward.

extension Tensor {
    /// Matrix product over the last two axes: (…, M, K) · (…, K, N) → (…, M, N).
    /// Leading axes must match, or `other` may be a plain (K, N) matrix shared by every batch item.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2, "matmul needs rank ≥ 2, got \(shape) and \(other.shape)")
        let m = shape[rank - 2], k = shape[rank - 1], n = other.shape[other.rank - 1]
        precondition(other.shape[other.rank - 2] == k, "matmul inner sizes differ: \(shape) · \(other.shape)")
        let batchShape = Array(shape[..<(rank - 2)])
        let batch = batchShape.reduce(1, *)
        let shared = other.rank == 2
        precondition(shared || Array(other.shape[..<(other.rank - 2)]) == batchShape,
                     "matmul batch shapes differ: \(shape) · \(other.shape)")
        let a = self, b = other
        let backend = Backends.current
        let strideB = shared ? 0 : k * n
        // a: (batch, M, K)  b: (batch or 1, K, N)  c: (batch, M, N)
        FlopCounter.current?.add(2 * batch * m * n * k)
        var out = Tensor(computing: batchShape + [m, n]) { c in
            if shared {
                // Batch folded into M: (batch·M, K) · (K, N), row-blocked per item so rows are batch-invariant.
                backend.rowBlockedGemm(transB: false, m: batch * m, n: n, k: k, rowsPerItem: Swift.max(m, 1), alpha: 1,
                                       a: a.pointer, lda: k, b: b.pointer, ldb: n, beta: 0, c: c, ldc: n, bias: nil)
            } else {
                backend.batchedGemm(batch: batch, transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                    a: a.pointer, lda: k, strideA: m * k, b: b.pointer, ldb: n, strideB: strideB,
                                    beta: 0, c: c, ldc: n, strideC: m * n)
            }
        }
        Tensor.record(&out, [a, b]) { g in
            FlopCounter.current?.add(2 * batch * m * n * k * ((a.node != nil ? 1 : 0) + (b.node != nil ? 1 : 0)))
            // The first writer of a gradient sets it (beta 0), later ones add (beta 1): `gradTarget()`.
            if let (ga, accumulate) = a.node?.gradTarget() {
                // dA (+)= dC · Bᵀ
                if shared {
                    backend.gemm(transA: false, transB: true, m: batch * m, n: k, k: n, alpha: 1,
                                 a: g, lda: n, b: b.pointer, ldb: n, beta: accumulate ? 1 : 0, c: ga, ldc: k)
                } else {
                    backend.batchedGemm(batch: batch, transA: false, transB: true, m: m, n: k, k: n, alpha: 1,
                                        a: g, lda: n, strideA: m * n, b: b.pointer, ldb: n, strideB: strideB,
                                        beta: accumulate ? 1 : 0, c: ga, ldc: k, strideC: m * k)
                }
            }
            if let (gb, accumulate) = b.node?.gradTarget() {
                // dB (+)= Aᵀ · dC (summed over the batch when B is shared)
                if shared {
                    backend.gemm(transA: true, transB: false, m: k, n: n, k: batch * m, alpha: 1,
                                 a: a.pointer, lda: k, b: g, ldb: n, beta: accumulate ? 1 : 0, c: gb, ldc: n)
                } else {
                    backend.batchedGemm(batch: batch, transA: true, transB: false, m: k, n: n, k: m, alpha: 1,
                                        a: a.pointer, lda: k, strideA: m * k, b: g, ldb: n, strideB: m * n,
                                        beta: accumulate ? 1 : 0, c: gb, ldc: n, strideC: k * n)
                }
            }
        }
        return out
    }

    /// `x · Wᵀ + b` over the last axis, with PyTorch `nn.Linear`'s weight layout (out, in).
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        let inFeatures = shape[rank - 1]
        precondition(weight.rank == 2 && weight.shape[1] == inFeatures,
                     "linear: input \(shape) does not fit weight \(weight.shape)")
        let outFeatures = weight.shape[0]
        let rows = count / Swift.max(inFeatures, 1)
        // An item is what the first axis indexes (an image, a caption): its rows are blocked together.
        let rowsPerItem = rank >= 3 ? Swift.max(1, rows / Swift.max(shape[0], 1)) : 1
        let x = self, w = weight
        let backend = Backends.current
        // x: (rows, in)  w: (out, in)  y: (rows, out)
        FlopCounter.current?.add(2 * rows * inFeatures * outFeatures)
        var out = Tensor(computing: Array(shape.dropLast()) + [outFeatures]) { yp in
            // Row-blocked per item: a row's result must not depend on how many items (images) there
            // are. Every row starts as the bias.
            backend.rowBlockedGemm(transB: true, m: rows, n: outFeatures, k: inFeatures, rowsPerItem: rowsPerItem, alpha: 1,
                                   a: x.pointer, lda: inFeatures, b: w.pointer, ldb: inFeatures,
                                   beta: 0, c: yp, ldc: outFeatures, bias: bias?.pointer)
        }
        let b = bias ?? Tensor(zeros: [0])
        Tensor.record(&out, [x, w, b]) { g in
            FlopCounter.current?.add(2 * rows * inFeatures * outFeatures * ((x.node != nil ? 1 : 0) + (w.node != nil ? 1 : 0)))
            if let (gx, accumulate) = x.node?.gradTarget() {  // dX (+)= dY · W
                backend.gemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, alpha: 1,
                             a: g, lda: outFeatures, b: w.pointer, ldb: inFeatures, beta: accumulate ? 1 : 0, c: gx, ldc: inFeatures)
            }
            // dW (+)= dYᵀ · X, db += Σ_rows dY
            let weightTarget = w.node?.gradTarget()
            let gradBias = bias == nil ? nil : b.node?.gradBuffer()
            if weightTarget != nil || gradBias != nil {
                backend.linearParameterGradients(gradOutput: g, input: x.pointer, rows: rows, inFeatures: inFeatures,
                                                 outFeatures: outFeatures, gradWeight: weightTarget?.pointer,
                                                 accumulateWeight: weightTarget?.accumulate ?? false, gradBias: gradBias)
            }
        }
        return out
    }
}
