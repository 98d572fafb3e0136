extension CPUBackend {
    /// Group normalisation (PyTorch `GroupNorm`), parallel over fixed blocks of (sample, group) pairs.
    ///
    /// Each group's C/G·S elements are contiguous in NCHW; mean and variance are two passes in Float
    /// (the variance around the mean, not E[x²] − mean², which cancels badly).
    public func groupNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                 output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                 groups: Int, eps: Float) {
        Self.checkGroups(batch: batch, channels: channels, spatial: spatial, groups: groups)
        let perGroup = channels / groups
        let count = perGroup * spatial
        // x, y: (N·G, C/G, S)  mean, rstd: (N·G)
        Parallel.forEach(range: batch * groups, blockSize: Self.pairsPerBlock(count)) { pairs in
            for pair in pairs {
                let x = input + pair * count
                let y = output + pair * count
                let mu = Self.sum(x, count: count) / Float(max(count, 1))
                let variance = Self.sumOfSquares(x, count: count, minus: mu) / Float(max(count, 1))  // biased, as PyTorch
                let r = 1 / (variance + eps).squareRoot()
                mean[pair] = mu
                rstd[pair] = r
                let firstChannel = (pair % groups) * perGroup
                for c in 0..<perGroup {
                    let scale = (gamma?[firstChannel + c] ?? 1) * r
                    let shift = beta?[firstChannel + c] ?? 0
                    let (xc, yc) = (x + c * spatial, y + c * spatial)
                    for s in 0..<spatial { yc[s] = (xc[s] - mu) * scale + shift }
                }
            }
        }
    }

    /// Group normalisation gradients (llm.c `layernorm_backward` per group), accumulated.
    ///
    /// dx per (sample, group) in parallel; the per-sample sums for dγ and dβ go to scratch and are
    /// added over samples in order afterwards, so nothing depends on the thread count.
    public func groupNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                                  rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                                  gradBeta: UnsafeMutablePointer<Float>?, batch: Int, channels: Int, spatial: Int, groups: Int) {
        Self.checkGroups(batch: batch, channels: channels, spatial: spatial, groups: groups)
        let perGroup = channels / groups
        let count = perGroup * spatial
        ScratchPool.withBuffer(count: 2 * batch * channels) { sums in
            // sums: (2, N, C): Σ_s dy·xhat (for dγ) then Σ_s dy (for dβ)
            let dGammaParts = sums
            let dBetaParts = sums + batch * channels
            // x, dy, dx: (N·G, C/G, S)  mean, rstd: (N·G)
            Parallel.forEach(range: batch * groups, blockSize: Self.pairsPerBlock(count)) { pairs in
                for pair in pairs {
                    let (x, dy) = (input + pair * count, gradOutput + pair * count)
                    let (mu, r) = (mean[pair], rstd[pair])
                    let firstChannel = (pair % groups) * perGroup
                    let sample = pair / groups
                    var meanDxhat: Float = 0
                    var meanDxhatXhat: Float = 0
                    for c in 0..<perGroup {
                        let channel = firstChannel + c
                        let (sumDy, sumDyCentered) = Self.sums(dy + c * spatial, x + c * spatial, count: spatial, minus: mu)
                        let g = gamma?[channel] ?? 1
                        dGammaParts[sample * channels + channel] = sumDyCentered * r
                        dBetaParts[sample * channels + channel] = sumDy
                        meanDxhat += g * sumDy
                        meanDxhatXhat += g * sumDyCentered * r
                    }
                    guard let gradInput else { continue }
                    meanDxhat /= Float(max(count, 1))
                    meanDxhatXhat /= Float(max(count, 1))
                    let dx = gradInput + pair * count
                    for c in 0..<perGroup {
                        // dx = rstd·(dy·γ − mean(dxhat) − xhat·mean(dxhat·xhat)), llm.c layernorm_backward
                        let scale = r * (gamma?[firstChannel + c] ?? 1)
                        let slope = r * r * meanDxhatXhat
                        let offset = r * meanDxhat
                        let (xc, dyc, dxc) = (x + c * spatial, dy + c * spatial, dx + c * spatial)
                        for s in 0..<spatial { dxc[s] += dyc[s] * scale - (xc[s] - mu) * slope - offset }
                    }
                }
            }
            // parts: (N, C) summed over N in order
            for channel in 0..<channels {
                var dg: Float = 0, db: Float = 0
                for sample in 0..<batch {
                    dg += dGammaParts[sample * channels + channel]
                    db += dBetaParts[sample * channels + channel]
                }
                gradGamma?[channel] += dg
                gradBeta?[channel] += db
            }
        }
    }

    /// (Σ dy, Σ dy·(x − shift)) over `count` elements, in a fixed order.
    static func sums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, minus shift: Float) -> (Float, Float) {
        var a0 = SIMD8<Float>(), b0 = SIMD8<Float>()
        let s = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= count {
            let d = load8(dy + i)
            a0 += d
            b0 += d * (load8(x + i) - s)
            i += 8
        }
        var (a, b) = (a0.sum(), b0.sum())
        while i < count {
            a += dy[i]
            b += dy[i] * (x[i] - shift)
            i += 1
        }
        return (a, b)
    }

    /// (sample, group) pairs per parallel block: about 32K elements, fixed by the group size.
    static func pairsPerBlock(_ count: Int) -> Int { max(1, (1 << 15) / max(count, 1)) }

    static func checkGroups(batch: Int, channels: Int, spatial: Int, groups: Int) {
        precondition(batch >= 0 && spatial >= 0, "groupNorm: negative shape")
        precondition(groups > 0 && channels > 0 && channels % groups == 0,
                     "groupNorm: \(channels) channels do not split into \(groups) groups")
    }
}
