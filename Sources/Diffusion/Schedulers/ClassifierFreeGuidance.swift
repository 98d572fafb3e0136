import TensorCore

/// Classifier-free guidance (Ho & Salimans 2022): ε̂ = ε_uncond + g·(ε_cond − ε_uncond).
///
/// With a negative prompt, the "unconditional" prediction is the one conditioned on the negative
/// prompt instead of the empty one (as diffusers' pipelines do), which steers away from it.
/// Sampling-time only: the result is not recorded for differentiation.
public enum ClassifierFreeGuidance {
    /// uncond + scale·(cond − uncond), elementwise.
    public static func combine(unconditional: Tensor, conditional: Tensor, scale: Float) -> Tensor {
        precondition(unconditional.shape == conditional.shape,
                     "guidance: unconditional \(unconditional.shape) and conditional \(conditional.shape) differ")
        // pipeline_stable_diffusion.py: noise_pred_uncond + guidance_scale * (noise_pred_text - noise_pred_uncond)
        return unconditional + scale * (conditional - unconditional)
    }

    /// Guidance on one model call over a doubled batch (2B, …): the first B items unconditional (or
    /// negative prompt), the last B conditional, diffusers' `noise_pred.chunk(2)` order → (B, …).
    public static func combine(batched output: Tensor, scale: Float) -> Tensor {
        precondition(output.rank >= 1 && output.shape[0] % 2 == 0, "guidance: batched output needs an even batch, got \(output.shape)")
        let half = output.shape[0] / 2
        return combine(unconditional: output.slice(rows: 0..<half), conditional: output.slice(rows: half..<(2 * half)), scale: scale)
    }

    /// The doubled model input for `combine(batched:scale:)`: `sample` twice along the batch axis.
    public static func doubled(_ sample: Tensor) -> Tensor {
        Tensor.concatenate([sample, sample], axis: 0)
    }
}
