import Foundation
import TensorCore

extension Image {
    /// Reads a PNG file as 8-bit RGB or RGBA.
    ///
    /// Any PNG kind is accepted: gray, gray+alpha, RGB, RGBA or palette (with tRNS), 1 to 16 bits.
    /// 16-bit samples are scaled to 8 bits. Reading as `.rgb` an image that has alpha composites it
    /// over white (DESIGN §5), or drops the alpha when `compositeOverWhite` is false; `.rgba` keeps
    /// straight alpha (opaque images get 255). See ``Image/converted(to:)`` for the rounding.
    ///
    /// - Throws: ``ImagingError/fileNotFound(_:)``, ``ImagingError/readFailed(_:reason:)``,
    ///   ``ImagingError/notPNG(_:)``, ``ImagingError/corrupt(_:reason:)`` (truncated, bad CRC, or
    ///   libpng's message), ``ImagingError/unsupported(_:reason:)``; each names the file.
    public static func readPNG(at url: URL, as format: PixelFormat = .rgb,
                               compositeOverWhite: Bool = true) throws -> Image {
        try Image(pngData: readFile(url), name: url.path, as: format, compositeOverWhite: compositeOverWhite)
    }

    /// Decodes PNG bytes as 8-bit RGB or RGBA; `name` stands for the file in errors.
    ///
    /// Same behaviour and errors as ``readPNG(at:as:compositeOverWhite:)``, minus the file ones.
    public init(pngData: [UInt8], name: String, as format: PixelFormat = .rgb,
                compositeOverWhite: Bool = true) throws {
        // Our own walk first: it names truncation and bad CRCs plainly, and libpng never sees a
        // datastream that ends early (the simplified API does not read past the last IDAT).
        _ = try PNGChunkStream.chunks(in: pngData, name: name)
        self = try LibPNG.decode(pngData, name: name, as: format, compositeOverWhite: compositeOverWhite)
    }

    /// Reads the text entries (`tEXt`, uncompressed `iTXt`) of a PNG file, in file order.
    ///
    /// `zTXt` and compressed `iTXt` chunks are skipped. The image data is not decoded.
    /// - Throws: the file errors of ``readPNG(at:as:compositeOverWhite:)``.
    public static func readPNGText(at url: URL) throws -> [PNGTextEntry] {
        try readPNGText(pngData: readFile(url), name: url.path)
    }

    /// Reads the text entries of PNG bytes, in order; `name` stands for the file in errors.
    public static func readPNGText(pngData: [UInt8], name: String) throws -> [PNGTextEntry] {
        let chunks = try PNGChunkStream.chunks(in: pngData, name: name)
        return try PNGTextChunks.decode(chunks, in: pngData, name: name)
    }

    /// Encodes the image as an 8-bit RGB or RGBA PNG with the given text entries.
    ///
    /// ASCII values are stored as `tEXt`, others as uncompressed UTF-8 `iTXt`; the chunks go just
    /// before `IEND`, in the given order.
    /// - Throws: ``ImagingError/invalidArgument(_:)`` for a bad key (see ``PNGTextEntry``) or a
    ///   value with NUL; ``ImagingError/writeFailed(_:reason:)`` if libpng fails.
    public func pngData(text: [PNGTextEntry] = []) throws -> [UInt8] {
        try pngData(text: text, name: "<PNG data>")
    }

    /// Writes the image as a PNG file with the given text entries, atomically (temporary file, then
    /// rename; DESIGN §7).
    ///
    /// - Throws: as ``pngData(text:)``, and ``ImagingError/writeFailed(_:reason:)`` naming the file.
    public func writePNG(to url: URL, text: [PNGTextEntry] = []) throws {
        let bytes = try pngData(text: text, name: url.path)
        do {
            try AtomicFile.write(bytes, to: url)
        } catch let error as FileWriteError {
            throw ImagingError.writeFailed(url.path, reason: error.reason)  // its own text repeats the path
        } catch {
            throw ImagingError.writeFailed(url.path, reason: "\(error)")
        }
    }

    private func pngData(text: [PNGTextEntry], name: String) throws -> [UInt8] {
        let textChunks = try PNGTextChunks.encode(text)  // validate keys before compressing
        let png = try LibPNG.encode(self, name: name)
        return try PNGChunkStream.inserting(textChunks, beforeIENDOf: png, name: name)
    }
}
