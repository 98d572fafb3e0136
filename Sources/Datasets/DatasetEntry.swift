/// One usable line of a dataset's `captions.jsonl`: an image file and its caption.
public struct DatasetEntry: Sendable, Equatable {
    /// The image's path relative to the dataset folder, as written in the `"file"` key.
    public let file: String
    /// The caption, as written in the `"text"` key.
    public let text: String
    /// The 1-based line of `captions.jsonl` the entry came from.
    public let line: Int

    /// Creates an entry.
    public init(file: String, text: String, line: Int) {
        self.file = file
        self.text = text
        self.line = line
    }
}
