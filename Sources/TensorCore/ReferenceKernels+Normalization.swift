import Foundation

extension ReferenceKernels {
    /// Group normalisation by its definition (PyTorch `GroupNorm`: biased variance, per-channel affine).
    public static func groupNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                        rstd: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                        groups: Int, eps: Float) {
        precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels do not split into \(groups) groups")
        let perGroup = channels / groups
        let count = perGroup * spatial
        // x: (N, G, C/G·S)  mean, rstd: (N, G)
        for n in 0..<batch {
            for group in 0..<groups {
                let base = (n * channels + group * perGroup) * spatial
                var sum = 0.0
                for i in 0..<count { sum += Double(input[base + i]) }
                let mu = sum / Double(count)
                var squares = 0.0
                for i in 0..<count { squares += (Double(input[base + i]) - mu) * (Double(input[base + i]) - mu) }
                let r = 1 / (squares / Double(count) + Double(eps)).squareRoot()
                mean[n * groups + group] = Float(mu)
                rstd[n * groups + group] = Float(r)
                for c in 0..<perGroup {
                    let channel = group * perGroup + c
                    let scale = Double(gamma?[channel] ?? 1)
                    let shift = Double(beta?[channel] ?? 0)
                    for s in 0..<spatial {
                        let i = base + c * spatial + s
                        output[i] = Float((Double(input[i]) - mu) * r * scale + shift)
                    }
                }
            }
        }
    }

    /// Group normalisation gradients (llm.c `layernorm_backward` applied per group), accumulated.
    public static func groupNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                                         rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                         gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                                         gradBeta: UnsafeMutablePointer<Float>?, batch: Int, channels: Int, spatial: Int, groups: Int) {
        precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels do not split into \(groups) groups")
        let perGroup = channels / groups
        let count = Double(perGroup * spatial)
        var dGamma = [Double](repeating: 0, count: channels)
        var dBeta = [Double](repeating: 0, count: channels)
        // x, dy, dx: (N, G, C/G, S)  mean, rstd: (N, G)
        for n in 0..<batch {
            for group in 0..<groups {
                let mu = Double(mean[n * groups + group])
                let r = Double(rstd[n * groups + group])
                var meanDxhat = 0.0
                var meanDxhatXhat = 0.0
                for c in 0..<perGroup {
                    let channel = group * perGroup + c
                    for s in 0..<spatial {
                        let i = (n * channels + channel) * spatial + s
                        let xhat = (Double(input[i]) - mu) * r
                        let dy = Double(gradOutput[i])
                        let dxhat = dy * Double(gamma?[channel] ?? 1)
                        meanDxhat += dxhat
                        meanDxhatXhat += dxhat * xhat
                        dGamma[channel] += dy * xhat
                        dBeta[channel] += dy
                    }
                }
                meanDxhat /= count
                meanDxhatXhat /= count
                guard let gradInput else { continue }
                for c in 0..<perGroup {
                    let channel = group * perGroup + c
                    for s in 0..<spatial {
                        let i = (n * channels + channel) * spatial + s
                        let xhat = (Double(input[i]) - mu) * r
                        let dxhat = Double(gradOutput[i]) * Double(gamma?[channel] ?? 1)
                        gradInput[i] += Float(r * (dxhat - meanDxhat - xhat * meanDxhatXhat))
                    }
                }
            }
        }
        if let gradGamma { for c in 0..<channels { gradGamma[c] += Float(dGamma[c]) } }
        if let gradBeta { for c in 0..<channels { gradBeta[c] += Float(dBeta[c]) } }
    }

    /// Layer normalisation of each row by its definition (PyTorch `LayerNorm` over the last axis).
    public static func layerNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                        rstd: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float) {
        // A layer norm is a group norm with one group per row and every feature its own channel.
        groupNormRows(input: input, gamma: gamma, beta: beta, output: output, mean: mean, rstd: rstd, rows: rows, dim: dim, eps: eps)
    }

    /// Layer normalisation gradients (llm.c `layernorm_backward`), accumulated.
    public static func layerNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                                         rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                         gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                                         gradBeta: UnsafeMutablePointer<Float>?, rows: Int, dim: Int) {
        var dGamma = [Double](repeating: 0, count: dim)
        var dBeta = [Double](repeating: 0, count: dim)
        // x, dy, dx: (rows, dim)  mean, rstd: (rows)
        for row in 0..<rows {
            let mu = Double(mean[row])
            let r = Double(rstd[row])
            var meanDxhat = 0.0
            var meanDxhatXhat = 0.0
            for i in 0..<dim {
                let xhat = (Double(input[row * dim + i]) - mu) * r
                let dy = Double(gradOutput[row * dim + i])
                let dxhat = dy * Double(gamma?[i] ?? 1)
                meanDxhat += dxhat
                meanDxhatXhat += dxhat * xhat
                dGamma[i] += dy * xhat
                dBeta[i] += dy
            }
            meanDxhat /= Double(dim)
            meanDxhatXhat /= Double(dim)
            guard let gradInput else { continue }
            for i in 0..<dim {
                let xhat = (Double(input[row * dim + i]) - mu) * r
                let dxhat = Double(gradOutput[row * dim + i]) * Double(gamma?[i] ?? 1)
                gradInput[row * dim + i] += Float(r * (dxhat - meanDxhat - xhat * meanDxhatXhat))
            }
        }
        if let gradGamma { for i in 0..<dim { gradGamma[i] += Float(dGamma[i]) } }
        if let gradBeta { for i in 0..<dim { gradBeta[i] += Float(dBeta[i]) } }
    }

    private static func groupNormRows(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                      output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                      rstd: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float) {
        // x, y: (rows, dim)  mean, rstd: (rows)
        for row in 0..<rows {
            var sum = 0.0
            for i in 0..<dim { sum += Double(input[row * dim + i]) }
            let mu = sum / Double(dim)
            var squares = 0.0
            for i in 0..<dim { squares += (Double(input[row * dim + i]) - mu) * (Double(input[row * dim + i]) - mu) }
            let r = 1 / (squares / Double(dim) + Double(eps)).squareRoot()
            mean[row] = Float(mu)
            rstd[row] = Float(r)
            for i in 0..<dim {
                let value = (Double(input[row * dim + i]) - mu) * r * Double(gamma?[i] ?? 1) + Double(beta?[i] ?? 0)
                output[row * dim + i] = Float(value)
            }
        }
    }

    /// Softmax of each row by its definition; an all `-infinity` row gives zeros.
    public static func softmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        // x, y: (rows, cols)
        for row in 0..<rows {
            var maximum = -Double.infinity
            for j in 0..<cols { maximum = max(maximum, Double(input[row * cols + j])) }
            guard maximum > -.infinity else {
                for j in 0..<cols { output[row * cols + j] = 0 }
                continue
            }
            var sum = 0.0
            for j in 0..<cols { sum += Foundation.exp(Double(input[row * cols + j]) - maximum) }
            for j in 0..<cols { output[row * cols + j] = Float(Foundation.exp(Double(input[row * cols + j]) - maximum) / sum) }
        }
    }

    /// Softmax gradient from the output: dx += y ⊙ (dy − Σ dy·y), accumulated.
    public static func softmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                       gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        // y, dy, dx: (rows, cols)
        for row in 0..<rows {
            var dot = 0.0
            for j in 0..<cols { dot += Double(output[row * cols + j]) * Double(gradOutput[row * cols + j]) }
            for j in 0..<cols {
                let i = row * cols + j
                gradInput[i] += Float(Double(output[i]) * (Double(gradOutput[i]) - dot))
            }
        }
    }

    /// Log-softmax of each row by its definition; an all `-infinity` row stays `-infinity`.
    public static func logSoftmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        // x, y: (rows, cols)
        for row in 0..<rows {
            var maximum = -Double.infinity
            for j in 0..<cols { maximum = max(maximum, Double(input[row * cols + j])) }
            guard maximum > -.infinity else {
                for j in 0..<cols { output[row * cols + j] = -.infinity }
                continue
            }
            var sum = 0.0
            for j in 0..<cols { sum += Foundation.exp(Double(input[row * cols + j]) - maximum) }
            let logSum = Foundation.log(sum) + maximum
            for j in 0..<cols { output[row * cols + j] = Float(Double(input[row * cols + j]) - logSum) }
        }
    }

    /// Log-softmax gradient from the output: dx += dy − exp(y)·Σ dy, accumulated.
    public static func logSoftmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                          gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        // y, dy, dx: (rows, cols)
        for row in 0..<rows {
            var sum = 0.0
            for j in 0..<cols { sum += Double(gradOutput[row * cols + j]) }
            for j in 0..<cols {
                let i = row * cols + j
                gradInput[i] += Float(Double(gradOutput[i]) - Foundation.exp(Double(output[i])) * sum)
            }
        }
    }
}
