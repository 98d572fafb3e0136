import Foundation

extension Image {
    /// Reads a PNG or JPEG file as 8-bit RGB or RGBA, whichever its content is (the file extension
    /// plays no part): the reader for image folders (DESIGN §5).
    ///
    /// PNGs are read as ``readPNG(at:as:compositeOverWhite:)`` reads them (alpha composited over
    /// white for `.rgb`), JPEGs as ``readJPEG(at:as:)`` (EXIF orientation applied).
    ///
    /// - Throws: ``ImagingError/fileNotFound(_:)``, ``ImagingError/readFailed(_:reason:)``,
    ///   ``ImagingError/emptyFile(_:)`` for a 0-byte file, ``ImagingError/unsupportedFormat(_:format:)``
    ///   naming what the file looks like (GIF, BMP, WebP, TIFF, SVG, AVIF, HEIF, … or "unknown"),
    ///   and the PNG or JPEG decoder's errors; each names the file.
    public static func read(at url: URL, as format: PixelFormat = .rgb) throws -> Image {
        try Image(imageData: readFile(url), name: url.path, as: format)
    }

    /// Decodes PNG or JPEG bytes, sniffed from their content, as 8-bit RGB or RGBA; `name` stands
    /// for the file in errors.
    ///
    /// Same behaviour and errors as ``read(at:as:)``, minus the file ones.
    public init(imageData: [UInt8], name: String, as format: PixelFormat = .rgb) throws {
        guard !imageData.isEmpty else { throw ImagingError.emptyFile(name) }
        switch ImageFormat(sniffing: imageData) {
        case .png: self = try Image(pngData: imageData, name: name, as: format)
        case .jpeg: self = try Image(jpegData: imageData, name: name, as: format)
        case .other(let recognised): throw ImagingError.unsupportedFormat(name, format: recognised)
        }
    }

    /// Reads a whole file, with errors that name it: missing, unreadable.
    static func readFile(_ url: URL) throws -> [UInt8] {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImagingError.fileNotFound(path)
        }
        guard !isDirectory.boolValue else {
            throw ImagingError.readFailed(path, reason: "it is a directory")
        }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw ImagingError.readFailed(path, reason: error.localizedDescription)
        }
    }
}
