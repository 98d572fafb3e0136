import Foundation
import TensorCore

/// Peak signal-to-noise ratio of reconstructions, on pixels mapped from [-1, 1] to [0, 1].
public enum PSNR {
    /// PSNR in dB of each image of `reconstruction` against `reference` (both (B, C, H, W) in [-1, 1]):
    /// 10·log10(1 / MSE) with both clamped to the valid range first, as saved images would be.
    public static func perImage(_ reconstruction: Tensor, _ reference: Tensor) -> [Double] {
        precondition(reconstruction.shape == reference.shape, "PSNR needs equal shapes")
        let b = reference.shape[0], n = reference.count / max(b, 1)
        let x = reconstruction.scalars, y = reference.scalars
        return (0..<b).map { i in
            var sum = 0.0
            for j in (i * n)..<((i + 1) * n) {
                let a = Double(max(-1, min(1, x[j]))) * 0.5, r = Double(max(-1, min(1, y[j]))) * 0.5
                sum += (a - r) * (a - r)
            }
            let mse = max(sum / Double(n), 1e-12)  // an exact copy scores 120 dB rather than infinity
            return 10 * log10(1 / mse)
        }
    }
}
