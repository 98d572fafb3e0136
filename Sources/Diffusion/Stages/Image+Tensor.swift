import TensorCore
import Imaging

extension Image {
    /// The images of a (B, 3, H, W) tensor with values in [-1, 1] (the model's pixel range),
    /// mapped to 0…255 with rounding and clamping.
    public static func images(fromBatch tensor: Tensor) throws -> [Image] {
        precondition(tensor.rank == 4 && tensor.shape[1] == 3, "expected (B, 3, H, W), got \(tensor.shape)")
        let (b, h, w) = (tensor.shape[0], tensor.shape[2], tensor.shape[3])
        let plane = h * w
        return try tensor.withUnsafeBufferPointer { x in
            try (0..<b).map { i in
                var pixels = [UInt8](repeating: 0, count: plane * 3)
                // x: (B, 3, H, W) in [-1, 1]  pixels: (H, W, 3) in 0…255
                for c in 0..<3 {
                    let src = i * 3 * plane + c * plane
                    for p in 0..<plane {
                        let v = (x[src + p] + 1) * 127.5
                        pixels[p * 3 + c] = UInt8(max(0, min(255, v.rounded())))
                    }
                }
                return try Image(width: w, height: h, format: .rgb, pixels: pixels)
            }
        }
    }
}
