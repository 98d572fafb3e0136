import TensorCore

/// Global gradient-norm clipping (PyTorch `torch.nn.utils.clip_grad_norm_`).
public enum GradientClipping {
    /// Scales `gradients` so their global L2 norm is at most `maxNorm`; returns the norm before
    /// clipping. Like PyTorch, the scale is maxNorm / (norm + 1e-6), applied only when below 1.
    @discardableResult
    public static func clipGlobalNorm(_ gradients: FlatBuffer, maxNorm: Float) -> Float {
        let g = gradients.pointer, n = gradients.count
        // Blocked Double partial sums in a fixed order: the same norm for any thread count.
        let block = 1 << 15
        let blocks = (n + block - 1) / block
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(blocks, 1))
        defer { partials.deallocate() }
        Parallel.forEach(blocks: blocks) { b in
            var s = 0.0
            for i in (b * block)..<min(n, (b + 1) * block) { s += Double(g[i]) * Double(g[i]) }
            partials[b] = s
        }
        var total = 0.0
        for b in 0..<blocks { total += partials[b] }
        let norm = Float(total.squareRoot())
        let coef = maxNorm / (norm + 1e-6)
        if coef < 1 {
            Parallel.forEach(range: n, blockSize: block) { r in for i in r { g[i] *= coef } }
        }
        return norm
    }
}
