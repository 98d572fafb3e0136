/// An 8-bit RGB or RGBA image: `height` rows of `width` pixels, row-major, channels interleaved.
///
/// The byte for channel `c` of the pixel at column `x`, row `y` (row 0 at the top) is
/// `pixels[(y * width + x) * channels + c]`. RGBA alpha is straight (colour not premultiplied),
/// as in PNG.
public struct Image: Sendable, Equatable {
    /// Width in pixels (at least 1).
    public let width: Int
    /// Height in pixels (at least 1).
    public let height: Int
    /// The pixel layout: RGB or RGBA.
    public let format: PixelFormat
    /// The pixels, `width * height * channels` bytes; see the type's documentation for the layout.
    public private(set) var pixels: [UInt8]

    /// Bytes per pixel: 3 for RGB, 4 for RGBA.
    public var channels: Int { format.channels }

    /// Creates an image from interleaved pixels.
    ///
    /// - Throws: ``ImagingError/invalidArgument(_:)`` when a side is below 1 or `pixels` does not
    ///   hold exactly `width * height * format.channels` bytes.
    public init(width: Int, height: Int, format: PixelFormat, pixels: [UInt8]) throws {
        let count = try Self.byteCount(width: width, height: height, format: format)
        guard pixels.count == count else {
            throw ImagingError.invalidArgument(
                "a \(width)x\(height) \(format) image needs \(count) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
    }

    /// Creates an image filled with one colour (alpha 255 for RGBA).
    ///
    /// - Throws: ``ImagingError/invalidArgument(_:)`` when a side is below 1 or the size overflows.
    public init(width: Int, height: Int, format: PixelFormat,
                fill: (UInt8, UInt8, UInt8) = (255, 255, 255)) throws {
        let count = try Self.byteCount(width: width, height: height, format: format)
        var pixels = [UInt8](repeating: 255, count: count)
        for start in stride(from: 0, to: count, by: format.channels) {
            pixels[start] = fill.0
            pixels[start + 1] = fill.1
            pixels[start + 2] = fill.2
        }
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
    }

    /// One channel of one pixel; `x`, `y` and `channel` must be in range (like an array index).
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get { pixels[offset(x: x, y: y, channel: channel)] }
        set { pixels[offset(x: x, y: y, channel: channel)] = newValue }
    }

    /// The `channels` bytes of the pixel at column `x`, row `y`; both must be in range.
    public func pixel(x: Int, y: Int) -> [UInt8] {
        let start = offset(x: x, y: y, channel: 0)
        return Array(pixels[start..<start + channels])
    }

    /// The byte offset of a channel; traps on an out-of-range index, as an array subscript does.
    private func offset(x: Int, y: Int, channel: Int) -> Int {
        precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                     "pixel index (\(x), \(y), \(channel)) out of range for \(width)x\(height)x\(channels)")
        return (y * width + x) * channels + channel
    }

    /// The most pixels an image decoded from a file may have (16384 x 16384), PNG or JPEG alike: a
    /// header can claim any size, and the decoders allocate their output before decoding a row.
    static let maxPixelCount = 1 << 28

    /// Why an image of `width` x `height` pixels from a file is refused before decoding, or nil when
    /// it is within ``maxPixelCount``.
    static func pixelLimitReason(width: Int, height: Int) -> String? {
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard overflow || pixelCount > maxPixelCount else { return nil }
        return "\(width)x\(height) pixels is more than the limit of \(maxPixelCount)"
    }

    /// Builds an image whose pixel count the caller has already made right.
    init(unchecked width: Int, _ height: Int, _ format: PixelFormat, _ pixels: [UInt8]) {
        assert(pixels.count == width * height * format.channels)
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
    }

    /// `width * height * channels`, checked for sides below 1 and for overflow.
    static func byteCount(width: Int, height: Int, format: PixelFormat) throws -> Int {
        guard width >= 1, height >= 1 else {
            throw ImagingError.invalidArgument("image size \(width)x\(height): both sides must be at least 1")
        }
        let (area, o1) = width.multipliedReportingOverflow(by: height)
        let (count, o2) = area.multipliedReportingOverflow(by: format.channels)
        guard !o1, !o2 else {
            throw ImagingError.invalidArgument("image size \(width)x\(height) is too large")
        }
        return count
    }
}
