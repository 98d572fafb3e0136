/// One bad entry of a dataset: what is wrong, where it was written, with which file.
///
/// DESIGN §7: bad input is counted and named, never silently dropped. ``description`` is one line,
/// `captions.jsonl:LINE: FILE: what is wrong` for an entry of a caption file, `FILE: what is wrong`
/// for an image or sidecar caption file.
public struct DatasetIssue: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The kinds of bad entry, in the order the loader checks them.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// The line is not a JSON object with a string file name and a string (or list of strings)
        /// caption.
        case malformedJSON
        /// The caption is empty or only white space (every caption of a list, or the caption file).
        case emptyCaption
        /// The named file lies outside the dataset folder: an absolute path, `..`, or a symbolic
        /// link that leads out (DESIGN §5: entries resolve inside the folder).
        case outsideFolder
        /// The named image file does not exist.
        case missingFile
        /// The image file exists but cannot be decoded (corrupt, truncated, an unsupported format,
        /// too many pixels).
        case unreadableImage
        /// An image with no caption: no sidecar `.txt`/`.caption` file beside it.
        case uncaptionedImage
        /// A sidecar caption file with no image beside it.
        case orphanCaption

        /// "missing file", "malformed JSON line", … (singular), as counts print them.
        public var noun: String {
            switch self {
            case .malformedJSON: "malformed JSON line"
            case .emptyCaption: "empty caption"
            case .outsideFolder: "out-of-folder file"
            case .missingFile: "missing file"
            case .unreadableImage: "unreadable image"
            case .uncaptionedImage: "image without a caption"
            case .orphanCaption: "caption file without its image"
            }
        }

        /// `"1 missing file"`, `"2 missing files"`; "image(s) without a caption" keeps its tail.
        public func counted(_ count: Int) -> String {
            guard count != 1 else { return "1 \(noun)" }
            switch self {
            case .uncaptionedImage: return "\(count) images without a caption"
            case .orphanCaption: return "\(count) caption files without their image"
            default: return "\(count) \(noun)s"
            }
        }
    }

    /// What is wrong.
    public let kind: Kind
    /// The caption file the entry was read from (`captions.jsonl`, `metadata.jsonl`), or nil for
    /// an issue of a file found in the folder (sidecar conventions).
    public let source: String?
    /// The 1-based line of `source`; 0 when there is no source.
    public let line: Int
    /// The image (or caption) file, when known.
    public let file: String?
    /// The particulars: the JSON error, the image reader's reason.
    public let detail: String

    /// Creates an issue of line `line` of `source` (default `captions.jsonl`).
    public init(kind: Kind, line: Int, file: String?, detail: String,
                source: String? = CaptionedDataset.captionsFileName) {
        self.kind = kind
        self.source = line > 0 ? source : nil
        self.line = line
        self.file = file
        self.detail = detail
    }

    /// `captions.jsonl:7: 000006.png: unreadable image (not a PNG file)`, or
    /// `photos/cat.jpg: image without a caption (…)`.
    public var description: String {
        var text = ""
        if let source, line > 0 { text += "\(source):\(line): " }
        if let file { text += "\(file): " }
        text += kind.noun
        if !detail.isEmpty { text += " (\(detail))" }
        return text
    }
}
