import TensorCore

/// Global gradient-norm clipping (PyTorch `torch.nn.utils.clip_grad_norm_`).
public enum GradientClipping {
    /// Scales `gradients` so their global L2 norm is at most `maxNorm`; returns the norm before
    /// clipping. Like PyTorch, the scale is maxNorm / (norm + 1e-6), applied only when below 1.
    @discardableResult
    public static func clipGlobalNorm(_ gradients: FlatBuffer, maxNorm: Float) -> Float {
        // Blocked Double partial sums in a fixed order: the same norm for any thread count.
        let norm = Float(gradients.sumOfSquares().squareRoot())
        let coef = maxNorm / (norm + 1e-6)
        if coef < 1 { gradients.scale(by: coef) }
        return norm
    }
}
