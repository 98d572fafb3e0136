extension Image {
    /// The image turned upright as an EXIF orientation asks, exactly as Pillow's
    /// `ImageOps.exif_transpose` turns it: mirror (2), rotate 180° (3), flip (4), transpose (5),
    /// rotate 90° clockwise (6), transverse (7), rotate 90° counter-clockwise (8); 1 returns the
    /// image unchanged. Values 5 to 8 swap width and height. RGB and RGBA alike.
    public func oriented(_ orientation: EXIFOrientation) -> Image {
        guard orientation != .topLeft else { return self }
        let w = width, h = height, c = channels
        let (outWidth, outHeight) = orientation.swapsSides ? (h, w) : (w, h)
        // For the output pixel (x, y), the source pixel (sx, sy) of the stored image.
        let source: (Int, Int) -> (Int, Int) = switch orientation {
        case .topLeft: { x, y in (x, y) }
        case .topRight: { x, y in (w - 1 - x, y) }                  // FLIP_LEFT_RIGHT
        case .bottomRight: { x, y in (w - 1 - x, h - 1 - y) }       // ROTATE_180
        case .bottomLeft: { x, y in (x, h - 1 - y) }                // FLIP_TOP_BOTTOM
        case .leftTop: { x, y in (y, x) }                           // TRANSPOSE
        case .rightTop: { x, y in (y, h - 1 - x) }                  // ROTATE_270: 90° clockwise
        case .rightBottom: { x, y in (w - 1 - y, h - 1 - x) }       // TRANSVERSE
        case .leftBottom: { x, y in (w - 1 - y, x) }                // ROTATE_90: 90° counter-clockwise
        }
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                // src: (h, w, c)  dst: (outHeight, outWidth, c)
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy) = source(x, y)
                        let from = (sy * w + sx) * c, to = (y * outWidth + x) * c
                        for k in 0..<c { dst[to + k] = src[from + k] }
                    }
                }
            }
        }
        return Image(unchecked: outWidth, outHeight, format, out)
    }
}
