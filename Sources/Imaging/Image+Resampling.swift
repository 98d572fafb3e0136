/// Separable resampling of 8-bit images, computed exactly as Pillow's `Image.resize` computes it
/// for 8-bit modes: per output pixel a window of source pixels weighted by the scaled kernel,
/// weights normalised to sum 1 and rounded to 22-bit fixed point, the horizontal pass first into
/// 8-bit rows (only the rows the vertical pass reads), then the vertical pass.
extension Image {
    /// Fixed-point fraction bits of the weights: Pillow's `PRECISION_BITS` (32 − 8 − 2).
    static let resampleFractionBits = 22

    /// The image resampled to `width × height` with `filter`; alpha, if any, is resampled like the
    /// colour channels (callers composite first). The same size returns the image unchanged.
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter) -> Image {
        precondition(outWidth >= 1 && outHeight >= 1, "resized(width:height:) needs a size ≥ 1")
        if outWidth == width && outHeight == height { return self }
        let c = channels
        let horizontal = Self.weights(from: width, to: outWidth, filter: filter)
        let vertical = Self.weights(from: height, to: outHeight, filter: filter)
        var source = pixels
        var rows = height
        var firstRow = 0
        if outWidth != width {
            // Only the source rows some output row reads.
            firstRow = vertical.bounds.first!.start
            let lastRow = vertical.bounds.last!.start + vertical.bounds.last!.count
            rows = lastRow - firstRow
            var temp = [UInt8](repeating: 0, count: rows * outWidth * c)
            // pixels: (H, W, C)  temp: (rows, outW, C)
            pixels.withUnsafeBufferPointer { src in
                temp.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<rows {
                        let rowIn = (y + firstRow) * width * c
                        for ox in 0..<outWidth {
                            let (start, count) = horizontal.bounds[ox]
                            let k = ox * horizontal.stride
                            for ch in 0..<c {
                                var sum = 1 << (Self.resampleFractionBits - 1)
                                for i in 0..<count { sum += Int(src[rowIn + (start + i) * c + ch]) * horizontal.taps[k + i] }
                                dst[(y * outWidth + ox) * c + ch] = Self.clip8(sum)
                            }
                        }
                    }
                }
            }
            source = temp
        }
        guard outHeight != height else {
            return Image(unchecked: outWidth, outHeight, format, source)
        }
        var out = [UInt8](repeating: 0, count: outHeight * outWidth * c)
        // source: (rows, outW, C), rows starting at firstRow  out: (outH, outW, C)
        source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let rowLength = outWidth * c
                for oy in 0..<outHeight {
                    let (start, count) = vertical.bounds[oy]
                    let k = oy * vertical.stride
                    for i in 0..<rowLength {
                        var sum = 1 << (Self.resampleFractionBits - 1)
                        for j in 0..<count { sum += Int(src[(start - firstRow + j) * rowLength + i]) * vertical.taps[k + j] }
                        dst[oy * rowLength + i] = Self.clip8(sum)
                    }
                }
            }
        }
        return Image(unchecked: outWidth, outHeight, format, out)
    }

    /// `sum >> 22` clamped to 0…255 (an arithmetic shift, as Pillow's `clip8`).
    @inline(__always)
    private static func clip8(_ sum: Int) -> UInt8 {
        UInt8(Swift.min(Swift.max(sum >> resampleFractionBits, 0), 255))
    }

    /// Per output index, the first source index and the count of the window, and the fixed-point
    /// weights, `stride` per output index (Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`).
    static func weights(from inSize: Int, to outSize: Int, filter: ResampleFilter)
        -> (bounds: [(start: Int, count: Int)], taps: [Int], stride: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = Swift.max(scale, 1)
        let support = filter.support * filterScale
        let stride = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(start: Int, count: Int)] = []
        bounds.reserveCapacity(outSize)
        var taps = [Int](repeating: 0, count: outSize * stride)
        var k = [Double](repeating: 0, count: stride)
        let inverseScale = 1 / filterScale
        for o in 0..<outSize {
            let center = (Double(o) + 0.5) * scale
            // Int(_:) truncates toward zero, as C's (int) cast does.
            let lo = Swift.max(Int(center - support + 0.5), 0)
            let hi = Swift.min(Int(center + support + 0.5), inSize)
            let count = hi - lo
            var total = 0.0
            for i in 0..<count {
                k[i] = filter.weight((Double(i + lo) - center + 0.5) * inverseScale)
                total += k[i]
            }
            for i in 0..<count {
                let w = total != 0 ? k[i] / total : k[i]
                let fixed = w * Double(1 << resampleFractionBits)
                taps[o * stride + i] = w < 0 ? Int(-0.5 + fixed) : Int(0.5 + fixed)
            }
            bounds.append((lo, count))
        }
        return (bounds, taps, stride)
    }
}
