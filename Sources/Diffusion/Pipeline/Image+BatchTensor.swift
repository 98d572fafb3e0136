import Imaging
import TensorCore

extension Image {
    /// Images of one size as a (B, 3, H, W) tensor in [−1, 1] (byte v ↦ v/127.5 − 1, as the dataset
    /// loader maps it); RGBA is composited over white first (DESIGN §5).
    public static func batchTensor(_ images: [Image]) throws -> Tensor {
        guard let first = images.first else { throw ImagingError.invalidArgument("no images to convert") }
        let (w, h) = (first.width, first.height)
        if let odd = images.firstIndex(where: { $0.width != w || $0.height != h }) {
            throw ImagingError.invalidArgument("image \(odd) is \(images[odd].width)×\(images[odd].height), image 0 is \(w)×\(h)")
        }
        let plane = w * h
        return Tensor(shape: [images.count, 3, h, w]) { out in
            for (b, image) in images.enumerated() {
                let rgb = image.format == .rgb ? image : image.converted(to: .rgb)
                rgb.pixels.withUnsafeBufferPointer { p in
                    // p: (H, W, 3) bytes  out[b]: (3, H, W) floats
                    for c in 0..<3 {
                        for i in 0..<plane { out[(b * 3 + c) * plane + i] = Float(p[i * 3 + c]) / 127.5 - 1 }
                    }
                }
            }
        }
    }
}
