import Imaging

extension Image {
    /// The image as a `size`×`size` RGB square: alpha composited over white, the shorter side
    /// scaled to `size` by area averaging and the longer side centre-cropped — so nothing is
    /// distorted (DESIGN §5). A square image of side `size` is returned unchanged (as RGB).
    ///
    /// The crop is taken in source pixels (the centred square of side min(width, height), its
    /// offset rounded down), then that square is area-averaged to `size`: the same pixels as
    /// resizing first and cropping after, without a second resampling.
    public func fitted(to size: Int) -> Image {
        precondition(size >= 1, "fitted(to:) needs a size ≥ 1, got \(size)")
        let rgb = format == .rgb ? self : converted(to: .rgb)
        let side = Swift.min(width, height)
        let square = side == width && side == height ? rgb : rgb.cropped(x: (width - side) / 2, y: (height - side) / 2, side: side)
        return side == size ? square : square.areaAveraged(width: size, height: size)
    }

    /// The `side`×`side` square of an RGB image whose top-left corner is (`x`, `y`); it must lie inside.
    func cropped(x: Int, y: Int, side: Int) -> Image {
        precondition(format == .rgb && x >= 0 && y >= 0 && x + side <= width && y + side <= height,
                     "crop (\(x), \(y)) side \(side) outside \(width)×\(height)")
        var out = [UInt8]()
        out.reserveCapacity(side * side * 3)
        // pixels: (H, W, 3)  out: (side, side, 3)
        for row in y..<(y + side) {
            let start = (row * width + x) * 3
            out += pixels[start..<(start + side * 3)]
        }
        guard let image = try? Image(width: side, height: side, format: .rgb, pixels: out) else {
            preconditionFailure("\(side)x\(side) RGB has \(out.count) bytes")
        }
        return image
    }
}
