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
    /// Encoding or writing the file failed.
    case writeFailed(String, reason: String)
    /// An argument given by the caller is invalid (a text keyword, grid layout, pixel count).
    case invalidArgument(String)

    /// The path (or data name) the error is about, if it is about a file.
    public var path: String? {
        switch self {
        case .fileNotFound(let path), .notPNG(let path): path
        case .readFailed(let path, _), .corrupt(let path, _), .unsupported(let path, _),
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
        case .writeFailed(let path, let reason): "\(path): cannot write PNG: \(Self.oneLine(reason))"
        case .invalidArgument(let message): "invalid argument: \(Self.oneLine(message))"
        }
    }

    /// Keeps the description on one line even when a reason (an OS or libpng message) has newlines.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension ImagingError: LocalizedError {
    /// The same line as `description`, so `localizedDescription` names the file too.
    public var errorDescription: String? { description }
}
