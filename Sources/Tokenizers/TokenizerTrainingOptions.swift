/// Settings for training a SentencePiece model.
///
/// The defaults follow DESIGN §3: a soft vocabulary limit (`hard_vocab_limit=false`), full character
/// coverage, and the special ids pad 0, unk 1, bos 2, eos 3 (fixed, see `SentencePieceTokenizer`).
public struct TokenizerTrainingOptions: Equatable, Sendable {
    /// The segmentation algorithm SentencePiece trains.
    public enum ModelType: String, CaseIterable, Equatable, Sendable {
        /// The unigram language model (Kudo 2018), SentencePiece's default.
        case unigram
        /// Byte-pair encoding (Sennrich et al. 2016).
        case bpe
    }

    /// The segmentation algorithm.
    public var modelType: ModelType
    /// The vocabulary size, special pieces included; a ceiling when `hardVocabLimit` is false.
    public var vocabSize: Int
    /// The fraction of characters the model covers; the rest map to unk.
    public var characterCoverage: Double
    /// Whether training fails when the corpus cannot fill `vocabSize` pieces.
    public var hardVocabLimit: Bool

    /// Creates training options.
    public init(
        modelType: ModelType = .unigram,
        vocabSize: Int = 512,
        characterCoverage: Double = 1.0,
        hardVocabLimit: Bool = false
    ) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.characterCoverage = characterCoverage
        self.hardVocabLimit = hardVocabLimit
    }

    /// The flag string SentencePiece's trainer parses.
    ///
    /// One thread and no shuffling keep training reproducible. (SentencePiece's log is silenced in
    /// the C bridge, which raises its log level before the first call.)
    var trainerArguments: String {
        [
            "--model_type=\(modelType.rawValue)",
            "--vocab_size=\(vocabSize)",
            "--hard_vocab_limit=\(hardVocabLimit)",
            "--character_coverage=\(characterCoverage)",
            "--pad_id=\(SentencePieceTokenizer.padId)",
            "--unk_id=\(SentencePieceTokenizer.unkId)",
            "--bos_id=\(SentencePieceTokenizer.bosId)",
            "--eos_id=\(SentencePieceTokenizer.eosId)",
            "--num_threads=1",
            "--shuffle_input_sentence=false",
        ].joined(separator: " ")
    }

    /// Checks the options before SentencePiece sees them.
    func validate() throws(TokenizerError) {
        guard vocabSize > 0 else {
            throw .invalidArgument("vocab size must be positive, got \(vocabSize)")
        }
        guard characterCoverage > 0, characterCoverage <= 1 else {
            throw .invalidArgument("character coverage must be in (0, 1], got \(characterCoverage)")
        }
    }
}
