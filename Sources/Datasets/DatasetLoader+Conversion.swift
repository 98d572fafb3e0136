import TensorCore

extension DatasetLoader {
    /// Images per parallel block of the byte-to-float conversion.
    static let conversionBlockSize = 16

    /// Byte `v` ↦ `v / 127.5 − 1`, so 0 ↦ −1 and 255 ↦ 1 exactly.
    static let byteToUnit: [Float] = (0..<256).map { Float($0) / 127.5 - 1 }

    /// Converts the `size × size` squares at `corners` of the prepared images of `entries` to a
    /// `(B, 3, size, size)` tensor in [−1, 1], flipping rows where asked.
    static func tensor(of entries: [Int], corners: [(x: Int, y: Int)], flipped: [Bool], from dataset: CaptionedDataset) -> Tensor {
        let s = dataset.size
        let imageSize = 3 * s * s
        let table = byteToUnit
        let images = dataset.images
        return Tensor(shape: [entries.count, 3, s, s]) { buffer in
            let out = buffer
            Parallel.forEach(range: entries.count, blockSize: conversionBlockSize) { range in
                let src = images.bytes.assumingMemoryBound(to: UInt8.self)
                table.withUnsafeBufferPointer { lut in
                    // src[n]: (3, h, w) bytes  out[b]: (3, s, s) floats; a flip reverses each row
                    for b in range {
                        let n = entries[b]
                        let (w, h) = (images.widths[n], images.heights[n])
                        let (x0, y0) = corners[b]
                        let to = b * imageSize
                        for c in 0..<3 {
                            for y in 0..<s {
                                let from = images.offsets[n] + (c * h + y0 + y) * w + x0
                                let d = to + (c * s + y) * s
                                if flipped[b] {
                                    for x in 0..<s { out[d + x] = lut[Int(src[from + s - 1 - x])] }
                                } else {
                                    for x in 0..<s { out[d + x] = lut[Int(src[from + x])] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
