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
        cropped(x: x, y: y, width: side, height: side)
    }

    /// The `width`×`height` part of an RGB image whose top-left corner is (`x`, `y`); it must lie inside.
    func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> Image {
        precondition(format == .rgb && x >= 0 && y >= 0 && x + cropWidth <= width && y + cropHeight <= height,
                     "crop (\(x), \(y)) \(cropWidth)×\(cropHeight) outside \(width)×\(height)")
        var out = [UInt8]()
        out.reserveCapacity(cropWidth * cropHeight * 3)
        // pixels: (H, W, 3)  out: (cropHeight, cropWidth, 3)
        for row in y..<(y + cropHeight) {
            let start = (row * width + x) * 3
            out += pixels[start..<(start + cropWidth * 3)]
        }
        guard let image = try? Image(width: cropWidth, height: cropHeight, format: .rgb, pixels: out) else {
            preconditionFailure("\(cropWidth)x\(cropHeight) RGB has \(out.count) bytes")
        }
        return image
    }
}
