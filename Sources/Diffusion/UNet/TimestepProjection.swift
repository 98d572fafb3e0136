import Foundation
import TensorCore

/// Sinusoidal timestep features, diffusers' `get_timestep_embedding` (models/embeddings.py).
///
/// Feature *i* < dim/2 of timestep t is sin(t·e^(−ln(maxPeriod)·i/(dim/2 − shift))), the next dim/2
/// are the cosines; `flipSinToCos` puts the cosines first (what `UNet2DConditionModel` does by
/// default). Computed in Float32 in the same order as PyTorch, so that large timesteps (arguments up
/// to ~1000 radians) round the same way on both sides: the frequencies on the host (constants, as
/// PyTorch's `arange`), the angles t·f and their sines and cosines as tensor ops.
public enum TimestepProjection {
    /// (B, dim) features of `timesteps` (B values, possibly fractional).
    public static func embed(_ timesteps: [Float], dim: Int, flipSinToCos: Bool, downscaleFreqShift: Float,
                             maxPeriod: Double = 10000) -> Tensor {
        let half = dim / 2
        // embeddings.py: exponent = -log(max_period) * arange(half) / (half - shift), in float32.
        let scale = Float(-Foundation.log(maxPeriod))
        let divisor = Float(half) - downscaleFreqShift
        let frequencies = (0..<half).map { Foundation.exp(scale * Float($0) / divisor) }
        // angles: (B, 1) · (1, half) → (B, half), each t·f[i] as one product
        let angles = Tensor(shape: [timesteps.count, 1], data: timesteps) * Tensor(shape: [1, half], data: frequencies)
        let (s, c) = (angles.sin(), angles.cos())
        // (B, dim) = [sin | cos] or, flipped, [cos | sin]; an odd dim gets a zero last column.
        var parts = flipSinToCos ? [c, s] : [s, c]
        if dim % 2 == 1 { parts.append(Tensor(zeros: [timesteps.count, 1])) }
        return Tensor.concatenate(parts, axis: 1)
    }
}
