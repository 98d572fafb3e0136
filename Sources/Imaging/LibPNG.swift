import CPNG

/// The only place that calls libpng: its simplified API (`png_image`), from memory to memory.
///
/// The simplified API reports failure through return codes and `png_image.message`; its
/// setjmp/longjmp stays inside libpng, so no longjmp crosses a Swift frame (DESIGN §1).
enum LibPNG {
    private static let formatRGB = UInt32(PNG_FORMAT_FLAG_COLOR)
    private static let formatRGBA = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)

    /// Decodes a complete PNG datastream to 8-bit RGB or RGBA.
    ///
    /// Every input kind (gray, gray+alpha, RGB, RGBA, palette with or without tRNS; 1–16 bits;
    /// interlaced or not) is expanded by libpng. 16-bit samples without gAMA/sRGB chunks are treated
    /// as sRGB-encoded (`PNG_IMAGE_FLAG_16BIT_sRGB`), so they are only scaled to 8 bits, not converted
    /// from linear light. With alpha in the file and `.rgb` asked for, the image is read as RGBA and
    /// then composited over white (``Image/converted(to:)``) or, without `compositeOverWhite`, the
    /// alpha is dropped.
    static func decode(_ bytes: [UInt8], name: String, as format: PixelFormat,
                       compositeOverWhite: Bool) throws -> Image {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        // Frees libpng's state on every path; a no-op once finish_read (or a failure) freed it.
        defer { png_image_free(&png) }
        return try bytes.withUnsafeBytes { raw -> Image in
            // libpng keeps a pointer to `raw` until finish_read, so both calls stay in this closure.
            guard png_image_begin_read_from_memory(&png, raw.baseAddress, raw.count) != 0 else {
                throw ImagingError.corrupt(name, reason: message(of: png))
            }
            // Must come after begin_read, which initialises `flags` (png.h).
            png.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
            let hasAlpha = png.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
            let readFormat: PixelFormat = (format == .rgba || hasAlpha) ? .rgba : .rgb
            let width = Int(png.width), height = Int(png.height)
            // The output buffer is allocated before libpng decodes a single row.
            if let reason = Image.pixelLimitReason(width: width, height: height) {
                throw ImagingError.unsupported(name, reason: reason)
            }
            let pixelCount = width * height
            png.format = readFormat == .rgba ? formatRGBA : formatRGB
            let rowStride = width * readFormat.channels
            guard let stride32 = Int32(exactly: rowStride) else {
                throw ImagingError.unsupported(name, reason: "rows of \(width) pixels are too wide")
            }
            var pixels = [UInt8](repeating: 0, count: pixelCount * readFormat.channels)
            let ok = pixels.withUnsafeMutableBytes { out in
                // background nil: we never ask libpng to remove alpha, so it is unused.
                png_image_finish_read(&png, nil, out.baseAddress, stride32, nil)
            }
            guard ok != 0 else {
                throw ImagingError.corrupt(name, reason: message(of: png))
            }
            let image = Image(unchecked: width, height, readFormat, pixels)
            guard format == .rgb, readFormat == .rgba else { return image }
            if compositeOverWhite { return image.converted(to: .rgb) }
            return Image(unchecked: width, height, .rgb, Image.droppingAlpha(rgba: pixels))
        }
    }

    /// Encodes an image as an 8-bit RGB or RGBA PNG (libpng adds an sRGB chunk; no text).
    static func encode(_ image: Image, name: String) throws -> [UInt8] {
        guard image.pixels.count == image.width * image.height * image.channels,
              let width = UInt32(exactly: image.width), let height = UInt32(exactly: image.height),
              Int32(exactly: image.width * image.channels) != nil else {
            throw ImagingError.writeFailed(name, reason: "image of \(image.width)x\(image.height) cannot be encoded")
        }
        // A first guess that fits almost always: raw rows plus filter bytes, plus room for zlib's
        // stored-block and libpng's chunk overhead; if it is short, libpng reports the size it needs.
        let raw = image.pixels.count + image.height
        var capacity = raw + raw / 64 + 1024
        for _ in 0..<2 {
            var png = png_image()
            png.version = UInt32(PNG_IMAGE_VERSION)
            png.width = width
            png.height = height
            png.format = image.format == .rgba ? formatRGBA : formatRGB
            defer { png_image_free(&png) }
            var out = [UInt8](repeating: 0, count: capacity)
            var size = capacity
            let ok = image.pixels.withUnsafeBytes { src in
                out.withUnsafeMutableBytes { dst in
                    png_image_write_to_memory(&png, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
                }
            }
            if ok != 0 {
                out.removeSubrange(size...)
                return out
            }
            // png.h: on failure, a `size` larger than given means only the buffer was too small.
            guard size > capacity else {
                throw ImagingError.writeFailed(name, reason: message(of: png))
            }
            capacity = size
        }
        throw ImagingError.writeFailed(name, reason: "libpng's output size kept growing")
    }

    /// libpng's NUL-terminated `message`, or a generic text if it is empty.
    private static func message(of png: png_image) -> String {
        let text = withUnsafeBytes(of: png.message) { buffer in
            String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "libpng failed without a message" : "libpng: \(text)"
    }
}
