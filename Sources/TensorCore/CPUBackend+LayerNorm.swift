extension CPUBackend {
    /// Layer normalisation over the last axis (PyTorch `LayerNorm`), parallel over fixed blocks of rows.
    public func layerNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                 output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float) {
        precondition(rows >= 0 && dim > 0, "layerNorm: invalid shape \(rows)×\(dim)")
        // x, y: (rows, dim)  mean, rstd: (rows)
        Parallel.forEach(range: rows, blockSize: Self.layerNormRowsPerBlock(dim)) { block in
            for row in block {
                let (x, y) = (input + row * dim, output + row * dim)
                let mu = Self.sum(x, count: dim) / Float(dim)
                let r = 1 / (Self.sumOfSquares(x, count: dim, minus: mu) / Float(dim) + eps).squareRoot()  // biased variance
                mean[row] = mu
                rstd[row] = r
                switch (gamma, beta) {
                case let (g?, b?): for i in 0..<dim { y[i] = (x[i] - mu) * r * g[i] + b[i] }
                case let (g?, nil): for i in 0..<dim { y[i] = (x[i] - mu) * r * g[i] }
                case let (nil, b?): for i in 0..<dim { y[i] = (x[i] - mu) * r + b[i] }
                case (nil, nil): for i in 0..<dim { y[i] = (x[i] - mu) * r }
                }
            }
        }
    }

    /// Layer normalisation gradients (llm.c `layernorm_backward`), accumulated.
    ///
    /// Rows run in fixed blocks; each block sums its own partial dγ, dβ, and the partials are added
    /// in block order afterwards.
    public func layerNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                                  rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                                  gradBeta: UnsafeMutablePointer<Float>?, rows: Int, dim: Int) {
        precondition(rows >= 0 && dim > 0, "layerNorm: invalid shape \(rows)×\(dim)")
        let rowsPerBlock = Self.layerNormRowsPerBlock(dim)
        let blocks = (rows + rowsPerBlock - 1) / rowsPerBlock
        let needParams = gradGamma != nil || gradBeta != nil
        ScratchPool.withBuffer(count: needParams ? 2 * blocks * dim : 0) { partials in
            // partials: (blocks, 2, dim): dγ then dβ of each block
            Parallel.forEach(blocks: blocks) { block in
                let dGamma = partials + block * 2 * dim
                let dBeta = dGamma + dim
                if needParams {
                    dGamma.update(repeating: 0, count: dim)
                    dBeta.update(repeating: 0, count: dim)
                }
                // x, dy, dx: (rows, dim)  mean, rstd: (rows)
                for row in (block * rowsPerBlock)..<min(rows, (block + 1) * rowsPerBlock) {
                    let (x, dy) = (input + row * dim, gradOutput + row * dim)
                    let (mu, r) = (mean[row], rstd[row])
                    if needParams {
                        for i in 0..<dim {
                            dGamma[i] += dy[i] * ((x[i] - mu) * r)
                            dBeta[i] += dy[i]
                        }
                    }
                    guard let gradInput else { continue }
                    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
                    var meanDxhat: Float = 0, meanDxhatXhat: Float = 0
                    var i = 0
                    let (muVector, rVector) = (SIMD8<Float>(repeating: mu), SIMD8<Float>(repeating: r))
                    while i + 8 <= dim {
                        let dxhat = Self.load8(dy + i) * (gamma.map { Self.load8($0 + i) } ?? SIMD8(repeating: 1))
                        acc0 += dxhat
                        acc1 += dxhat * ((Self.load8(x + i) - muVector) * rVector)
                        i += 8
                    }
                    meanDxhat = acc0.sum()
                    meanDxhatXhat = acc1.sum()
                    while i < dim {
                        let dxhat = dy[i] * (gamma?[i] ?? 1)
                        meanDxhat += dxhat
                        meanDxhatXhat += dxhat * ((x[i] - mu) * r)
                        i += 1
                    }
                    meanDxhat /= Float(dim)
                    meanDxhatXhat /= Float(dim)
                    let dx = gradInput + row * dim
                    // dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)), llm.c layernorm_backward
                    if let gamma {
                        for i in 0..<dim { dx[i] += r * (dy[i] * gamma[i] - meanDxhat - (x[i] - mu) * r * meanDxhatXhat) }
                    } else {
                        for i in 0..<dim { dx[i] += r * (dy[i] - meanDxhat - (x[i] - mu) * r * meanDxhatXhat) }
                    }
                }
            }
            guard needParams else { return }
            // partials summed over blocks in order
            for i in 0..<dim {
                var dg: Float = 0, db: Float = 0
                for block in 0..<blocks {
                    dg += partials[block * 2 * dim + i]
                    db += partials[block * 2 * dim + dim + i]
                }
                gradGamma?[i] += dg
                gradBeta?[i] += db
            }
        }
    }

    /// Rows per parallel block: about 8K elements, fixed by `dim`.
    static func layerNormRowsPerBlock(_ dim: Int) -> Int { max(1, (1 << 13) / dim) }
}
