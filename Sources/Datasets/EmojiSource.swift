import Foundation

/// One folder of emoji art: PNG files named by code points, and the art style captions name.
public struct EmojiSource: Sendable, Equatable {
    /// The style word in captions and output file names, e.g. "twemoji" or "emojione".
    public let style: String
    /// The folder of PNG files.
    public let folder: URL

    /// Creates a source.
    public init(style: String, folder: URL) {
        self.style = style
        self.folder = folder
    }
}
