import Datasets
import TensorCore
import Tokenizers

extension TextEncoderStage {
    /// Hard-negative captions for contrastive training, after NegCLIP (Yuksekgonul et al. 2023,
    /// "When and why vision-language models behave like bags-of-words").
    ///
    /// A CLIP model learns only what tells the images of a batch apart. In a random batch of 64
    /// shapes images the colour, shape and background almost always do, so the text tower never
    /// needs the place words, and its per-token states — which the U-Net attends to — come out
    /// alike for "in the top left" and "in the bottom right" (cosine 0.99 after a short run). With
    /// hard negatives every image is also contrasted with its own caption with one word changed,
    /// so every word of a caption has to matter.
    ///
    /// A negative replaces one word by another that the training captions put in the same place
    /// (the same word index among captions of as many words): on template captions that is
    /// another colour, shape, size or place; on free captions another word of that position. When
    /// no word of a caption has an alternative, two different words trade places (NegCLIP's swap);
    /// when not even that is possible (a caption of one repeated word), the empty caption stands in.
    /// Which word and which replacement come from the sample's key (`DatasetBatch.keys`) and the
    /// negative's index, so a sample's negatives are the same however the batch is split into
    /// micro-batches or ranks. With several negatives per caption (`clip.hard_negatives: K`) they
    /// are different ones while the caption has that many (`negatives(of:key:)`).
    public struct HardNegatives: Sendable {
        /// Per caption word count, per word index: the distinct words training captions of that
        /// many words have there, sorted.
        let slots: [Int: [[String]]]
        /// Negatives per caption.
        public let perCaption: Int

        /// The slots of the training captions `texts`, for `perCaption` negatives per caption.
        public init(texts: [String], perCaption: Int = 1) {
            precondition(perCaption >= 1, "hard negatives: \(perCaption) per caption")
            self.perCaption = perCaption
            var sets: [Int: [Set<String>]] = [:]
            for text in texts {
                let words = Self.words(text)
                guard !words.isEmpty else { continue }
                var columns = sets[words.count] ?? Array(repeating: [], count: words.count)
                for (i, word) in words.enumerated() { columns[i].insert(word) }
                sets[words.count] = columns
            }
            slots = sets.mapValues { $0.map { $0.sorted() } }
        }

        static func words(_ text: String) -> [String] {
            text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        }

        /// Hard negative number `index` of `caption` for the sample key `key` (never `caption`
        /// itself, unless `caption` is empty).
        public func negative(of caption: String, key: UInt64, index: Int = 0) -> String {
            var words = Self.words(caption)
            let word = Philox.block(seed: key, stream: 0, counter: UInt64(index))
            let columns = slots[words.count] ?? []
            // Word places with another word to offer.
            let open = words.indices.filter { i in i < columns.count && columns[i].contains { $0 != words[i] } }
            if !open.isEmpty {
                let i = open[Self.draw(word.0, below: open.count)]
                let others = columns[i].filter { $0 != words[i] }
                words[i] = others[Self.draw(word.1, below: others.count)]
                return words.joined(separator: " ")
            }
            // Pairs of places holding different words.
            let pairs = words.indices.flatMap { i in words.indices.filter { $0 > i && words[$0] != words[i] }.map { (i, $0) } }
            guard !pairs.isEmpty else { return "" }
            let (i, j) = pairs[Self.draw(word.2, below: pairs.count)]
            words.swapAt(i, j)
            return words.joined(separator: " ")
        }

        /// A uniform integer in `0..<bound` from a 32-bit word (the high half of the product).
        static func draw(_ word: UInt32, below bound: Int) -> Int {
            Int((UInt64(word) * UInt64(bound)) >> 32)
        }

        /// `perCaption` hard negatives of `caption` for the sample key `key`: draws 0, 1, 2, … of
        /// `negative(of:key:index:)`, skipping repeats (at most 8 draws per negative), so the first
        /// is the single negative and the rest differ from it while the caption has enough
        /// alternatives; when it has not, the last ones repeat.
        public func negatives(of caption: String, key: UInt64) -> [String] {
            var found: [String] = []
            var index = 0
            while found.count < perCaption && index < 8 * perCaption {
                let candidate = negative(of: caption, key: key, index: index)
                if !found.contains(candidate) { found.append(candidate) }
                index += 1
            }
            let distinct = found.count
            while found.count < perCaption { found.append(found[found.count % distinct]) }
            return found
        }

        /// The ids of a batch's negatives, tokenised like `Captions` (`maxLength` ids each,
        /// concatenated): sample 0's `perCaption` negatives, then sample 1's, and so on.
        func ids(_ batch: DatasetBatch, tokenizer: SentencePieceTokenizer, maxLength: Int) throws -> [Int32] {
            var ids: [Int32] = []
            ids.reserveCapacity(batch.count * perCaption * maxLength)
            for (caption, key) in zip(batch.captions, batch.keys) {
                for negative in negatives(of: caption, key: key) {
                    ids += try tokenizer.encode(negative, maxLength: maxLength)
                }
            }
            return ids
        }
    }
}
