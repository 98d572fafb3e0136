import Tokenizers

extension TextEncoderStage {
    /// Every caption of a dataset tokenised once: fixed-length id rows (bos, pieces, eos, pad) and
    /// the attention-mask length of each row, looked up per batch by dataset entry index.
    public struct Captions: Sendable {
        /// Ids per caption, bos and eos included (`tokenizer.max_length`).
        public let length: Int
        /// `count × length` ids, row `i` for dataset entry `i`.
        public let ids: [Int32]
        /// Per caption, the tokens up to and including eos: transformers' `attention_mask` as a
        /// length (see `CLIPTextTransformer.keyLengths`).
        public let keyLengths: [Int]

        /// Tokenises `texts` (entry order) to `maxLength` ids each, padded with the pad id; a text
        /// too long loses trailing pieces but keeps its eos (`SentencePieceTokenizer.encode(_:maxLength:)`).
        public init(tokenizer: SentencePieceTokenizer, texts: [String], maxLength: Int) throws {
            length = maxLength
            var ids: [Int32] = []
            ids.reserveCapacity(texts.count * maxLength)
            var lengths: [Int] = []
            lengths.reserveCapacity(texts.count)
            // Shapes captions repeat a lot (972 distinct texts in 20 000): encode each text once.
            var cache: [String: (ids: [Int32], keyLength: Int)] = [:]
            for text in texts {
                let row: (ids: [Int32], keyLength: Int)
                if let cached = cache[text] {
                    row = cached
                } else {
                    let encoded = try tokenizer.encode(text, maxLength: maxLength)
                    let eos = encoded.firstIndex(of: SentencePieceTokenizer.eosId).map { $0 + 1 } ?? maxLength
                    row = (encoded, eos)
                    cache[text] = row
                }
                ids.append(contentsOf: row.ids)
                lengths.append(row.keyLength)
            }
            self.ids = ids
            self.keyLengths = lengths
        }

        /// The number of captions.
        public var count: Int { keyLengths.count }

        /// The rows of `entries` (dataset entry indices), concatenated, with their key lengths.
        public func batch(_ entries: [Int]) -> (ids: [Int32], keyLengths: [Int]) {
            var out: [Int32] = []
            out.reserveCapacity(entries.count * length)
            for e in entries { out.append(contentsOf: ids[(e * length)..<((e + 1) * length)]) }
            return (out, entries.map { keyLengths[$0] })
        }
    }
}
