/// The SentencePiece tokenizer a run trains on its captions (DESIGN §3).
public struct TokenizerConfig: Codable, Equatable, Sendable {
    /// "unigram" or "bpe".
    public var modelType: String = "bpe"
    /// Upper bound on the vocabulary (`hard_vocab_limit=false`).
    public var vocabSize: Int = 512
    /// Token sequence length, bos and eos included.
    public var maxLength: Int = 32

    public init() {}

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case vocabSize = "vocab_size"
        case maxLength = "max_length"
    }
}
