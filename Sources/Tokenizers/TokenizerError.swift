/// A failure of the tokenizer, carrying the file involved (where there is one) and SentencePiece's
/// own message.
///
/// `description` is one line, naming the file and what is wrong (DESIGN §7).
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A model could not be loaded; `path` is `nil` when loading from bytes.
    case loadFailed(path: String?, message: String)
    /// Training failed; `path` is the training text file, `nil` when training from strings.
    case trainingFailed(path: String?, message: String)
    /// The training input holds no sentence; `path` is `nil` when training from strings.
    case emptyTrainingInput(path: String?)
    /// A file could not be read.
    case readFailed(path: String, message: String)
    /// A file could not be written.
    case writeFailed(path: String, message: String)
    /// Encoding a text failed.
    case encodeFailed(message: String)
    /// Decoding ids failed (for instance an id outside the vocabulary).
    case decodeFailed(message: String)
    /// An argument is out of range.
    case invalidArgument(String)

    /// A one-line description naming the file (if any) and SentencePiece's message.
    public var description: String {
        switch self {
        case let .loadFailed(path?, message):
            return "cannot load tokenizer model \(path): \(Self.oneLine(message))"
        case let .loadFailed(nil, message):
            return "cannot load tokenizer model from bytes: \(Self.oneLine(message))"
        case let .trainingFailed(path?, message):
            return "cannot train tokenizer on \(path): \(Self.oneLine(message))"
        case let .trainingFailed(nil, message):
            return "cannot train tokenizer: \(Self.oneLine(message))"
        case let .emptyTrainingInput(path?):
            return "cannot train tokenizer on \(path): the file holds no non-empty line"
        case .emptyTrainingInput(nil):
            return "cannot train tokenizer: no non-empty training sentence"
        case let .readFailed(path, message):
            return "cannot read \(path): \(Self.oneLine(message))"
        case let .writeFailed(path, message):
            return "cannot write \(path): \(Self.oneLine(message))"
        case let .encodeFailed(message):
            return "cannot encode text: \(Self.oneLine(message))"
        case let .decodeFailed(message):
            return "cannot decode ids: \(Self.oneLine(message))"
        case let .invalidArgument(message):
            return Self.oneLine(message)
        }
    }

    /// SentencePiece's messages may span lines; a report is one line.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
