import Imaging

extension Image {
    /// Resizes an RGB image by area averaging: each output pixel is the mean of the source area it
    /// covers, partial source pixels weighted by their overlap (a box filter of the output pixel's
    /// footprint). Downscaling by 2 averages 2×2 blocks exactly; 72 → 32 weighs 2.25-pixel spans.
    func areaAveraged(width outWidth: Int, height outHeight: Int) -> Image {
        precondition(format == .rgb && outWidth >= 1 && outHeight >= 1, "area averaging needs RGB and a size ≥ 1")
        let horizontal = Self.spans(from: width, to: outWidth)
        let vertical = Self.spans(from: height, to: outHeight)
        // Separable: rows first. rowPass: (H, outW, 3)
        var rowPass = [Float](repeating: 0, count: height * outWidth * 3)
        for y in 0..<height {
            for (ox, taps) in horizontal.enumerated() {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (x, weight) in taps { sum += weight * Float(pixels[(y * width + x) * 3 + c]) }
                    rowPass[(y * outWidth + ox) * 3 + c] = sum
                }
            }
        }
        // out: (outH, outW, 3)
        var out = [UInt8](repeating: 0, count: outHeight * outWidth * 3)
        for (oy, taps) in vertical.enumerated() {
            for ox in 0..<outWidth {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (y, weight) in taps { sum += weight * rowPass[(y * outWidth + ox) * 3 + c] }
                    out[(oy * outWidth + ox) * 3 + c] = UInt8(min(max(sum.rounded(), 0), 255))
                }
            }
        }
        guard let image = try? Image(width: outWidth, height: outHeight, format: .rgb, pixels: out) else {
            preconditionFailure("\(outWidth)x\(outHeight) RGB has \(out.count) bytes")
        }
        return image
    }

    /// For each output index, the source indices its footprint overlaps and their weights (summing
    /// to 1). Output pixel `o` covers source `[o·n/m, (o+1)·n/m)`.
    private static func spans(from n: Int, to m: Int) -> [[(Int, Float)]] {
        let scale = Double(n) / Double(m)
        return (0..<m).map { o in
            let start = Double(o) * scale
            let end = Double(o + 1) * scale
            var taps: [(Int, Float)] = []
            var i = Int(start.rounded(.down))
            while Double(i) < end && i < n {
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                if overlap > 1e-9 { taps.append((i, Float(overlap / scale))) }
                i += 1
            }
            return taps
        }
    }
}
