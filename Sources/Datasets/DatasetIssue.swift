/// One bad entry of a dataset's `captions.jsonl`: what is wrong, on which line, with which file.
///
/// DESIGN §7: bad input is counted and named, never silently dropped. ``description`` is one line,
/// `captions.jsonl:LINE: FILE: what is wrong`.
public struct DatasetIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of bad entry, in the order the loader checks them.
    public enum Kind: String, Sendable, CaseIterable {
        /// The line is not a JSON object with string values for `"file"` and `"text"`.
        case malformedJSON
        /// The caption is empty or only white space.
        case emptyCaption
        /// The named file lies outside the dataset folder: an absolute path, `..`, or a symbolic
        /// link that leads out (DESIGN §5: entries resolve inside the folder).
        case outsideFolder
        /// The named image file does not exist.
        case missingFile
        /// The image file exists but cannot be decoded as a PNG.
        case unreadableImage
        /// The image decodes but its size differs from the dataset's (the most common size).
        case wrongSize

        /// "missing file", "malformed JSON line", … (singular), as counts print them.
        public var noun: String {
            switch self {
            case .malformedJSON: "malformed JSON line"
            case .emptyCaption: "empty caption"
            case .outsideFolder: "out-of-folder file"
            case .missingFile: "missing file"
            case .unreadableImage: "unreadable image"
            case .wrongSize: "wrongly sized image"
            }
        }

        /// `"1 missing file"`, `"2 missing files"`.
        public func counted(_ count: Int) -> String {
            "\(count) \(noun)\(count == 1 ? "" : "s")"
        }
    }

    /// What is wrong.
    public let kind: Kind
    /// The 1-based line of `captions.jsonl`.
    public let line: Int
    /// The image file the line names, when the line could be parsed that far.
    public let file: String?
    /// The particulars: the JSON error, the PNG reader's reason, the sizes.
    public let detail: String

    /// Creates an issue.
    public init(kind: Kind, line: Int, file: String?, detail: String) {
        self.kind = kind
        self.line = line
        self.file = file
        self.detail = detail
    }

    /// `captions.jsonl:7: 000006.png: unreadable image (not a PNG file)`.
    public var description: String {
        var text = "\(CaptionedDataset.captionsFileName):\(line): "
        if let file { text += "\(file): " }
        text += kind.noun
        if !detail.isEmpty { text += " (\(detail))" }
        return text
    }
}
