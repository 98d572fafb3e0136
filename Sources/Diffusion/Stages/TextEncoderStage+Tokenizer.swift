import Datasets
import Foundation
import TensorCore
import Tokenizers

extension TextEncoderStage {
    /// The `tokenizer_config.json` class: transformers' generic tokenizers-backed class, which
    /// builds its tokenizer from `tokenizer.model`'s own normalizer spec (nmt_nfkc, dummy prefix,
    /// whitespace folding) and so gives SentencePiece's ids exactly. transformers 5's
    /// `LlamaTokenizer` ignores that spec and differs on text with repeated spaces, capitals or
    /// unseen characters (it matches on plain lower-case captions). Loading needs the `sentencepiece`
    /// and `protobuf` packages, as for any tokenizer shipped as a `.model` file.
    public static let tokenizerClass = "PreTrainedTokenizerFast"

    /// The run's tokenizer: `tokenizer/tokenizer.model` when the run has one, otherwise a new
    /// SentencePiece model trained on the *training* captions (validation captions stay unseen)
    /// with `config.tokenizer`'s settings and saved with its `tokenizer_config.json`.
    ///
    /// SentencePiece's trainer cannot be stopped part way (it takes well under a second on shapes
    /// captions); `shouldStop` (Ctrl-C) is asked before and after it, and a yes ends with an
    /// `Interruption` before anything is saved.
    static func tokenizer(config: RunConfig, data: RunData, run: RunFolder,
                          note: ((String) -> Void)?, shouldStop: () -> Bool = { false }) throws -> SentencePieceTokenizer {
        if FileManager.default.fileExists(atPath: run.tokenizerModel.path) {
            let tokenizer = try SentencePieceTokenizer(contentsOf: run.tokenizerModel)
            let configFile = run.tokenizer.appendingPathComponent("tokenizer_config.json")
            if !FileManager.default.fileExists(atPath: configFile.path) {
                try writeTokenizerConfig(tokenizer, maxLength: config.tokenizer.maxLength, in: run.tokenizer)
            }
            note?("using the run's tokenizer \(run.tokenizerModel.path) (vocabulary \(tokenizer.vocabSize))")
            return tokenizer
        }
        let options = TokenizerTrainingOptions(modelType: try modelType(config), vocabSize: config.tokenizer.vocabSize)
        let texts = data.trainIndices.flatMap { data.dataset.entries[$0].texts }
        note?("training a \(options.modelType.rawValue) tokenizer (vocabulary ≤ \(options.vocabSize)) on \(texts.count) training captions")
        let interrupted = Interruption("interrupted while training the tokenizer; nothing was saved, rerun the same command to start again")
        if shouldStop() { throw interrupted }
        let tokenizer = try SentencePieceTokenizer.train(sentences: texts, options: options)
        if shouldStop() { throw interrupted }
        try FileManager.default.createDirectory(at: run.tokenizer, withIntermediateDirectories: true)
        // The model file last: its presence is what marks the run as having a tokenizer.
        try writeTokenizerConfig(tokenizer, maxLength: config.tokenizer.maxLength, in: run.tokenizer)
        try tokenizer.save(to: run.tokenizerModel)
        return tokenizer
    }

    /// Writes `folder/tokenizer_config.json`, with which `AutoTokenizer.from_pretrained(folder)`
    /// encodes as `SentencePieceTokenizer.encode(_:maxLength:)` does when called with
    /// `padding="max_length", truncation=True, max_length=maxLength`: bos and eos added, pad on
    /// the right, truncation keeping eos.
    static func writeTokenizerConfig(_ tokenizer: SentencePieceTokenizer, maxLength: Int, in folder: URL) throws {
        func quoted(_ id: Int32) throws -> String {
            JSONString.quoted(try tokenizer.piece(for: id))
        }
        let json = """
            {
              "add_bos_token": true,
              "add_eos_token": true,
              "bos_token": \(try quoted(SentencePieceTokenizer.bosId)),
              "clean_up_tokenization_spaces": false,
              "eos_token": \(try quoted(SentencePieceTokenizer.eosId)),
              "legacy": true,
              "model_max_length": \(maxLength),
              "pad_token": \(try quoted(SentencePieceTokenizer.padId)),
              "padding_side": "right",
              "tokenizer_class": "\(tokenizerClass)",
              "truncation_side": "right",
              "unk_token": \(try quoted(SentencePieceTokenizer.unkId))
            }

            """
        try AtomicFile.write(Data(json.utf8), to: folder.appendingPathComponent("tokenizer_config.json"))
    }

    /// `tokenizer.model_type` as SentencePiece's model type.
    static func modelType(_ config: RunConfig) throws -> TokenizerTrainingOptions.ModelType {
        guard let type = TokenizerTrainingOptions.ModelType(rawValue: config.tokenizer.modelType) else {
            throw ConfigError(source: "config", key: "tokenizer.model_type",
                              "must be 'unigram' or 'bpe', got '\(config.tokenizer.modelType)'")
        }
        return type
    }
}
