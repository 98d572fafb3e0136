/// What ``EmojiImporter/importSources(_:to:)`` did with each source folder.
public struct EmojiImportSummary: Sendable, Equatable {
    /// The outcome for one source folder; file lists are source file names, sorted.
    public struct Source: Sendable, Equatable {
        /// The source's style word.
        public let style: String
        /// Images written to the dataset.
        public let imported: Int
        /// Skin-tone variants left out (the importer was not asked for them).
        public let skippedSkinTones: Int
        /// PNG files whose code points `emoji-test.txt` does not name.
        public let unnamed: [String]
        /// PNG files that could not be decoded.
        public let unreadable: [String]

        /// Creates a source outcome.
        public init(style: String, imported: Int, skippedSkinTones: Int, unnamed: [String], unreadable: [String]) {
            self.style = style
            self.imported = imported
            self.skippedSkinTones = skippedSkinTones
            self.unnamed = unnamed
            self.unreadable = unreadable
        }
    }

    /// Per source, in the order given.
    public let sources: [Source]

    /// Images written in all.
    public var imported: Int { sources.reduce(0) { $0 + $1.imported } }
}
