import ArgumentParser
import Diffusion
import Foundation
import Tokenizers

/// `t2i tokenizer`: train a SentencePiece model on captions, and encode or decode with it.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train a SentencePiece tokenizer on captions, and encode or decode with it.",
        subcommands: [Train.self, Encode.self, Decode.self]
    )
}

extension TokenizerCommand {
    /// `t2i tokenizer train`: train a model on a caption file and save it.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a tokenizer on a text file with one caption per line.",
            discussion: """
                Special ids: pad 0, unk 1, bos 2, eos 3. The vocabulary size is a ceiling \
                (hard_vocab_limit=false): a small corpus may give fewer pieces.
                """
        )

        @Option(name: .long, help: ArgumentHelp("UTF-8 text file, one caption per line.", valueName: "file"))
        var input: String

        @Option(name: .long, help: "Largest vocabulary size, special pieces included.")
        var vocabSize: Int = 512

        @Option(name: .long, help: ArgumentHelp("The SentencePiece model type: unigram or bpe.", valueName: "type"))
        var modelType: TokenizerTrainingOptions.ModelType = .unigram

        @Option(name: .long, help: ArgumentHelp("Where to write the model (a SentencePiece .model file).", valueName: "file"))
        var out: String

        func validate() throws {
            guard (1...RunConfig.Limits.vocabulary).contains(vocabSize) else {
                throw ValidationError("--vocab-size must be in 1...\(RunConfig.Limits.vocabulary), got \(vocabSize)")
            }
            guard !input.isEmpty else { throw ValidationError("--input must name a file") }
            guard !out.isEmpty else { throw ValidationError("--out must name a file") }
        }

        func run() throws {
            let options = TokenizerTrainingOptions(modelType: modelType, vocabSize: vocabSize)
            let tokenizer = try SentencePieceTokenizer.train(
                textFile: URL(fileURLWithPath: input), options: options)
            try tokenizer.save(to: URL(fileURLWithPath: out))
            print("trained \(modelType.rawValue) tokenizer, vocab size \(tokenizer.vocabSize), wrote \(out)")
        }
    }

    /// `t2i tokenizer encode`: print the ids of a text.
    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the ids of a text (bos, pieces, eos), space-separated on one line.")

        @Option(name: .long, help: ArgumentHelp("The tokenizer model file.", valueName: "file"))
        var model: String

        @Option(name: .long, help: "Truncate (keeping eos) and pad with pad id 0 to this many ids.")
        var maxLength: Int?

        @Argument(help: "The text to encode.")
        var text: String

        func validate() throws {
            if let maxLength, maxLength < 2 {
                throw ValidationError("--max-length must be at least 2 (bos and eos), got \(maxLength)")
            }
        }

        func run() throws {
            let tokenizer = try SentencePieceTokenizer(contentsOf: URL(fileURLWithPath: model))
            let ids: [Int32]
            if let maxLength {
                ids = try tokenizer.encode(text, maxLength: maxLength)
            } else {
                ids = try tokenizer.encode(text)
            }
            print(ids.map(String.init).joined(separator: " "))
        }
    }

    /// `t2i tokenizer decode`: print the text of ids.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the text of ids (pad, bos and eos are skipped).")

        @Option(name: .long, help: ArgumentHelp("The tokenizer model file.", valueName: "file"))
        var model: String

        @Argument(help: "The ids to decode.")
        var ids: [Int32] = []

        func run() throws {
            let tokenizer = try SentencePieceTokenizer(contentsOf: URL(fileURLWithPath: model))
            print(try tokenizer.decode(ids))
        }
    }
}

extension TokenizerTrainingOptions.ModelType: ExpressibleByArgument {}
