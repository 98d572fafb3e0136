import Foundation

extension Image {
    /// Reads a JPEG file as 8-bit RGB or RGBA (alpha 255), upright.
    ///
    /// Baseline and progressive JPEGs in grayscale, YCbCr, RGB, CMYK or YCCK are decoded by
    /// libjpeg-turbo; grayscale is replicated to RGB, and CMYK/YCCK are converted as Pillow converts
    /// them (samples taken as Adobe-inverted). The EXIF orientation tag, if any, is applied as
    /// Pillow's `ImageOps.exif_transpose` applies it (``oriented(_:)``), so the result matches
    /// `ImageOps.exif_transpose(Image.open(path)).convert("RGB")` (to within libjpeg versions).
    /// The size in the header is checked against the pixel limit PNGs have (16384 x 16384) before
    /// anything is allocated. A truncated or damaged file is refused, not decoded with grey fill:
    /// libjpeg's warnings count as errors.
    ///
    /// - Throws: ``ImagingError/fileNotFound(_:)``, ``ImagingError/readFailed(_:reason:)``,
    ///   ``ImagingError/emptyFile(_:)``, ``ImagingError/notJPEG(_:)``,
    ///   ``ImagingError/corruptJPEG(_:reason:)`` (truncated, damaged, or libjpeg's message),
    ///   ``ImagingError/unsupportedJPEG(_:reason:)`` (too many pixels, 12-bit samples, an unknown
    ///   colour space); each names the file.
    public static func readJPEG(at url: URL, as format: PixelFormat = .rgb) throws -> Image {
        try Image(jpegData: readFile(url), name: url.path, as: format)
    }

    /// Decodes JPEG bytes as 8-bit RGB or RGBA, upright; `name` stands for the file in errors.
    ///
    /// Same behaviour and errors as ``readJPEG(at:as:)``, minus the file ones.
    public init(jpegData: [UInt8], name: String, as format: PixelFormat = .rgb) throws {
        guard !jpegData.isEmpty else { throw ImagingError.emptyFile(name) }
        guard ImageFormat(sniffing: jpegData) == .jpeg else { throw ImagingError.notJPEG(name) }
        let header = try LibJPEG.header(jpegData, name: name)
        switch (header.colorSpace, header.components) {
        case (.grayscale, 1), (.rgb, 3), (.yCbCr, 3), (.cmyk, 4), (.ycck, 4):
            break
        default:
            throw ImagingError.unsupportedJPEG(
                name, reason: "\(header.components) components in an unknown colour space")
        }
        // Before any pixel buffer exists: a header can claim up to 65500 x 65500.
        if let reason = Image.pixelLimitReason(width: header.width, height: header.height) {
            throw ImagingError.unsupportedJPEG(name, reason: reason)
        }
        let rgb = try LibJPEG.decodeRGB(jpegData, header: header, name: name)
        var image = Image(unchecked: header.width, header.height, .rgb, rgb)
        if let exif = header.exif, let orientation = EXIFOrientation(exifData: exif) {
            image = image.oriented(orientation)
        }
        self = image.converted(to: format)
    }
}
