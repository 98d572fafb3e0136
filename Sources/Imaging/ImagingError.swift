import Foundation

/// An error from reading, writing or assembling images; its description is one line naming the file.
///
/// DESIGN §7: every failure a user can cause ends in one line naming the file and what is wrong.
/// The associated `String` of the file cases is the path (or, for in-memory data, the name the caller
/// gave it).
public enum ImagingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No file exists at the path.
    case fileNotFound(String)
    /// The file exists but could not be read (a directory, no permission, an I/O error).
    case readFailed(String, reason: String)
    /// The file does not start with the 8-byte PNG signature.
    case notPNG(String)
    /// The file is a PNG but truncated or damaged; `reason` is ours or libpng's message.
    case corrupt(String, reason: String)
    /// The file is a valid PNG that this reader refuses (for example, too many pixels).
    case unsupported(String, reason: String)
    /// The file does not start with a JPEG's start-of-image marker (FF D8 FF).
    case notJPEG(String)
    /// The file is a JPEG but truncated or damaged; `reason` is ours or libjpeg's message.
    case corruptJPEG(String, reason: String)
    /// The file is a JPEG that this reader refuses (too many pixels, 12-bit samples, an unknown
    /// colour space).
    case unsupportedJPEG(String, reason: String)
    /// The file holds no bytes at all.
    case emptyFile(String)
    /// The file is an image (or something else) in a format t2i does not read; `format` names what
    /// its first bytes look like ("GIF", "WebP", …, or "unknown").
    case unsupportedFormat(String, format: String)
    /// Encoding or writing the file failed.
    case writeFailed(String, reason: String)
    /// An argument given by the caller is invalid (a text keyword, grid layout, pixel count).
    case invalidArgument(String)

    /// The path (or data name) the error is about, if it is about a file.
    public var path: String? {
        switch self {
        case .fileNotFound(let path), .notPNG(let path), .notJPEG(let path), .emptyFile(let path): path
        case .readFailed(let path, _), .corrupt(let path, _), .unsupported(let path, _),
             .corruptJPEG(let path, _), .unsupportedJPEG(let path, _), .unsupportedFormat(let path, _),
             .writeFailed(let path, _): path
        case .invalidArgument: nil
        }
    }

    /// One line: the file, then what is wrong with it.
    public var description: String {
        switch self {
        case .fileNotFound(let path): "\(path): no such file"
        case .readFailed(let path, let reason): "\(path): cannot read file: \(Self.oneLine(reason))"
        case .notPNG(let path): "\(path): not a PNG file (the PNG signature is missing)"
        case .corrupt(let path, let reason): "\(path): corrupt PNG: \(Self.oneLine(reason))"
        case .unsupported(let path, let reason): "\(path): unsupported PNG: \(Self.oneLine(reason))"
        case .notJPEG(let path): "\(path): not a JPEG file (it does not start with the marker FF D8 FF)"
        case .corruptJPEG(let path, let reason): "\(path): corrupt JPEG: \(Self.oneLine(reason))"
        case .unsupportedJPEG(let path, let reason): "\(path): unsupported JPEG: \(Self.oneLine(reason))"
        case .emptyFile(let path): "\(path): empty file (0 bytes; expected a PNG or JPEG image)"
        case .unsupportedFormat(let path, let format):
            "\(path): unsupported image format: \(Self.oneLine(format)) (t2i reads PNG and JPEG)"
        case .writeFailed(let path, let reason): "\(path): cannot write PNG: \(Self.oneLine(reason))"
        case .invalidArgument(let message): "invalid argument: \(Self.oneLine(message))"
        }
    }

    /// Keeps the description on one line even when a reason (an OS, libpng or libjpeg message) has
    /// newlines.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension ImagingError: LocalizedError {
    /// The same line as `description`, so `localizedDescription` names the file too.
    public var errorDescription: String? { description }
}
