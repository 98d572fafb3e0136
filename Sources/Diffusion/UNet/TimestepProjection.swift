import Foundation
import TensorCore

/// Sinusoidal timestep features, diffusers' `get_timestep_embedding` (models/embeddings.py).
///
/// Feature *i* < dim/2 of timestep t is sin(t·e^(−ln(maxPeriod)·i/(dim/2 − shift))), the next dim/2
/// are the cosines; `flipSinToCos` puts the cosines first (what `UNet2DConditionModel` does by
/// default). Computed in Float32 in the same order as PyTorch, so that large timesteps (arguments up
/// to ~1000 radians) round the same way on both sides.
public enum TimestepProjection {
    /// (B, dim) features of `timesteps` (B values, possibly fractional).
    public static func embed(_ timesteps: [Float], dim: Int, flipSinToCos: Bool, downscaleFreqShift: Float,
                             maxPeriod: Double = 10000) -> Tensor {
        let half = dim / 2
        // embeddings.py: exponent = -log(max_period) * arange(half) / (half - shift), in float32.
        let scale = Float(-Foundation.log(maxPeriod))
        let divisor = Float(half) - downscaleFreqShift
        let frequencies = (0..<half).map { Foundation.exp(scale * Float($0) / divisor) }
        return Tensor(shape: [timesteps.count, dim]) { out in
            // out: (B, dim) = [sin | cos] or, flipped, [cos | sin]; an odd dim gets a zero last column.
            for (b, t) in timesteps.enumerated() {
                let row = b * dim
                for i in 0..<half {
                    let angle = t * frequencies[i]
                    let (s, c) = (Foundation.sin(angle), Foundation.cos(angle))
                    out[row + i] = flipSinToCos ? c : s
                    out[row + half + i] = flipSinToCos ? s : c
                }
                if dim % 2 == 1 { out[row + dim - 1] = 0 }
            }
        }
    }
}
