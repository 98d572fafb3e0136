// Group norm and layer norm through the backend kernels, backward beside forward.

extension Tensor {
    /// Group normalisation of (N, C, …) over groups of C/G channels (PyTorch `nn.GroupNorm`),
    /// with optional per-channel affine `gamma`, `beta` of shape (C).
    public func groupNorm(groups: Int, gamma: Tensor?, beta: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2, "groupNorm needs (N, C, …), got \(shape)")
        let n = shape[0], c = shape[1], spatial = count / Swift.max(n * c, 1)
        precondition(c % groups == 0, "groupNorm: \(c) channels do not split into \(groups) groups")
        let x = self, backend = Backends.current
        let stats = Tensor(zeros: [2, n * groups])
        let mean = stats.pointer, rstd = stats.pointer + n * groups
        var out = Tensor(computing: shape) { y in
            backend.groupNormForward(input: x.pointer, gamma: gamma?.pointer, beta: beta?.pointer, output: y,
                                     mean: mean, rstd: rstd, batch: n, channels: c, spatial: spatial, groups: groups, eps: eps)
        }
        let g0 = gamma ?? Tensor(zeros: [0]), b0 = beta ?? Tensor(zeros: [0])
        Tensor.record(&out, [x, g0, b0]) { g in
            withExtendedLifetime(stats) {
                backend.groupNormBackward(input: x.pointer, gamma: gamma?.pointer, mean: mean, rstd: rstd, gradOutput: g,
                                          gradInput: x.node?.gradBuffer(),
                                          gradGamma: gamma == nil ? nil : g0.node?.gradBuffer(),
                                          gradBeta: beta == nil ? nil : b0.node?.gradBuffer(),
                                          batch: n, channels: c, spatial: spatial, groups: groups)
            }
        }
        return out
    }

    /// Layer normalisation over the last axis (PyTorch `nn.LayerNorm(dim)`).
    public func layerNorm(gamma: Tensor?, beta: Tensor?, eps: Float = 1e-5) -> Tensor {
        let dim = shape[rank - 1], rows = count / Swift.max(dim, 1)
        let x = self, backend = Backends.current
        let stats = Tensor(zeros: [2, rows])
        let mean = stats.pointer, rstd = stats.pointer + rows
        var out = Tensor(computing: shape) { y in
            backend.layerNormForward(input: x.pointer, gamma: gamma?.pointer, beta: beta?.pointer, output: y,
                                     mean: mean, rstd: rstd, rows: rows, dim: dim, eps: eps)
        }
        let g0 = gamma ?? Tensor(zeros: [0]), b0 = beta ?? Tensor(zeros: [0])
        Tensor.record(&out, [x, g0, b0]) { g in
            withExtendedLifetime(stats) {
                backend.layerNormBackward(input: x.pointer, gamma: gamma?.pointer, mean: mean, rstd: rstd, gradOutput: g,
                                          gradInput: x.node?.gradBuffer(),
                                          gradGamma: gamma == nil ? nil : g0.node?.gradBuffer(),
                                          gradBeta: beta == nil ? nil : b0.node?.gradBuffer(),
                                          rows: rows, dim: dim)
            }
        }
        return out
    }
}
