/// One usable image of a dataset: its file and its captions.
public struct DatasetEntry: Sendable, Equatable, Codable {
    /// The image's path relative to the dataset folder.
    public let file: String
    /// The captions, at least one and none blank; a loader that samples captions draws one per
    /// epoch, otherwise the first is used.
    public let texts: [String]
    /// The 1-based line of the caption file (`captions.jsonl`, `metadata.jsonl`) the entry came
    /// from; 0 for a sidecar caption file.
    public let line: Int

    /// Creates an entry with one or more captions (`texts` must not be empty).
    public init(file: String, texts: [String], line: Int) {
        precondition(!texts.isEmpty, "an entry needs at least one caption")
        self.file = file
        self.texts = texts
        self.line = line
    }

    /// Creates an entry with one caption.
    public init(file: String, text: String, line: Int) {
        self.init(file: file, texts: [text], line: line)
    }

    /// The first caption.
    public var text: String { texts[0] }
}
