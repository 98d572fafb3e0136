import TensorCore

extension DatasetLoader {
    /// Images per parallel block of the byte-to-float conversion.
    static let conversionBlockSize = 16

    /// Byte `v` ↦ `v / 127.5 − 1`, so 0 ↦ −1 and 255 ↦ 1 exactly.
    static let byteToUnit: [Float] = (0..<256).map { Float($0) / 127.5 - 1 }

    /// Converts cached images to a `(B, 3, H, W)` tensor in [−1, 1], flipping rows where asked.
    static func tensor(of entries: [Int], flipped: [Bool], from dataset: CaptionedDataset) -> Tensor {
        let (h, w) = (dataset.height, dataset.width)
        let imageSize = 3 * h * w
        let table = byteToUnit
        let cache = dataset.pixels
        return Tensor(shape: [entries.count, 3, h, w]) { buffer in
            let out = buffer
            Parallel.forEach(range: entries.count, blockSize: conversionBlockSize) { range in
                cache.withUnsafeBufferPointer { src in
                    table.withUnsafeBufferPointer { lut in
                        // src[n]: (3, H, W) bytes  out[b]: (3, H, W) floats; a flip reverses each row
                        for b in range {
                            let from = entries[b] * imageSize
                            let to = b * imageSize
                            if flipped[b] {
                                for row in 0..<(3 * h) {
                                    let s = from + row * w
                                    let d = to + row * w
                                    for x in 0..<w { out[d + x] = lut[Int(src[s + w - 1 - x])] }
                                }
                            } else {
                                for i in 0..<imageSize { out[to + i] = lut[Int(src[from + i])] }
                            }
                        }
                    }
                }
            }
        }
    }
}
