extension Image {
    /// Converts between RGB and RGBA: RGBA → RGB composites over white, RGB → RGBA adds alpha 255.
    ///
    /// Compositing is integer math, per channel, rounded to nearest:
    /// `c' = (c * a + 255 * (255 - a) + 127) / 255`; for example `(255, 0, 0, a: 128)` becomes
    /// `(255, 127, 127)`. (DESIGN §5: images are loaded to RGB, alpha composited on white.)
    public func converted(to target: PixelFormat) -> Image {
        switch (format, target) {
        case (.rgb, .rgb), (.rgba, .rgba):
            return self
        case (.rgba, .rgb):
            return Image(unchecked: width, height, .rgb, Self.compositeOverWhite(rgba: pixels))
        case (.rgb, .rgba):
            var out = [UInt8](repeating: 255, count: width * height * 4)
            // pixels: (H*W, 3)  out: (H*W, 4)
            for i in 0..<(width * height) {
                out[i * 4] = pixels[i * 3]
                out[i * 4 + 1] = pixels[i * 3 + 1]
                out[i * 4 + 2] = pixels[i * 3 + 2]
            }
            return Image(unchecked: width, height, .rgba, out)
        }
    }

    /// Composites interleaved RGBA bytes over white, giving RGB bytes (see ``converted(to:)``).
    static func compositeOverWhite(rgba: [UInt8]) -> [UInt8] {
        let count = rgba.count / 4
        var out = [UInt8](repeating: 0, count: count * 3)
        // rgba: (N, 4)  out: (N, 3)
        for i in 0..<count {
            let a = UInt32(rgba[i * 4 + 3])
            let white = 255 * (255 - a) + 127  // +127 rounds the division by 255 to nearest
            for c in 0..<3 {
                out[i * 3 + c] = UInt8((UInt32(rgba[i * 4 + c]) * a + white) / 255)
            }
        }
        return out
    }

    /// Drops the alpha byte of interleaved RGBA bytes, keeping the stored colour as is.
    static func droppingAlpha(rgba: [UInt8]) -> [UInt8] {
        let count = rgba.count / 4
        var out = [UInt8](repeating: 0, count: count * 3)
        for i in 0..<count {
            out[i * 3] = rgba[i * 4]
            out[i * 3 + 1] = rgba[i * 4 + 1]
            out[i * 3 + 2] = rgba[i * 4 + 2]
        }
        return out
    }
}
