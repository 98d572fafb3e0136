/// Counts that describe a dataset's captions: lengths in words, vocabulary, most common words.
public struct DatasetStatistics: Sendable {
    /// A word and how many times it occurs across all captions.
    public struct WordCount: Sendable, Equatable {
        /// The word, lowercased.
        public let word: String
        /// Its occurrences.
        public let count: Int

        /// Creates a word count.
        public init(word: String, count: Int) {
            self.word = word
            self.count = count
        }
    }

    /// Usable images.
    public let imageCount: Int
    /// Image width and height in pixels.
    public let width: Int, height: Int
    /// Words in the shortest, mean and longest caption.
    public let minWords: Int, meanWords: Double, maxWords: Int
    /// Distinct captions.
    public let distinctCaptions: Int
    /// Distinct words (see ``words(in:)``).
    public let vocabularySize: Int
    /// The most frequent words, most frequent first (ties alphabetical).
    public let topWords: [WordCount]

    /// Computes the statistics of a loaded dataset, keeping the `topCount` most frequent words.
    public init(dataset: CaptionedDataset, topCount: Int = 10) {
        let captions = dataset.captionTexts
        var frequencies: [String: Int] = [:]
        var lengths: [Int] = []
        lengths.reserveCapacity(captions.count)
        for caption in captions {
            let words = Self.words(in: caption)
            lengths.append(words.count)
            for word in words { frequencies[word, default: 0] += 1 }
        }
        imageCount = dataset.count
        width = dataset.width
        height = dataset.height
        minWords = lengths.min() ?? 0
        maxWords = lengths.max() ?? 0
        meanWords = lengths.isEmpty ? 0 : Double(lengths.reduce(0, +)) / Double(lengths.count)
        distinctCaptions = Set(captions).count
        vocabularySize = frequencies.count
        topWords = frequencies
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(max(0, topCount))
            .map { WordCount(word: $0.key, count: $0.value) }
    }

    /// The words of a caption: lowercased, split at white space, with surrounding punctuation
    /// (`,.;:!?"()`) trimmed; what is only punctuation is dropped ("keycap: #" gives "keycap", "#").
    public static func words(in caption: String) -> [String] {
        let punctuation: Set<Character> = [",", ".", ";", ":", "!", "?", "\"", "(", ")"]
        return caption.lowercased().split(whereSeparator: \.isWhitespace).compactMap { token in
            let trimmed = token.drop { punctuation.contains($0) }.reversed().drop { punctuation.contains($0) }
            return trimmed.isEmpty ? nil : String(trimmed.reversed())
        }
    }
}
