import Foundation
import Testing
import Tokenizers

@Suite("SentencePieceTokenizer bad input")
struct TokenizerBadInputTests {
    @Test("a missing model file is an error naming the file, in plain words")
    func missingModelFile() throws {
        let path = "/nonexistent-\(UUID().uuidString)/tok.model"
        let error = #expect(throws: TokenizerError.self) {
            try SentencePieceTokenizer(contentsOf: URL(fileURLWithPath: path))
        }
        guard case let .loadFailed(errorPath, message)? = error else {
            Issue.record("expected loadFailed, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(message == "no such file")
        #expect(error?.description == "cannot load tokenizer model \(path): no such file")
    }

    @Test("a corrupt model file is an error naming the file")
    func corruptModelFile() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("broken.model")
        try Data("this is not a model".utf8).write(to: file)
        let error = #expect(throws: TokenizerError.self) {
            try SentencePieceTokenizer(contentsOf: file)
        }
        guard case let .loadFailed(path, message)? = error else {
            Issue.record("expected loadFailed, got \(String(describing: error))")
            return
        }
        #expect(path == file.path)
        #expect(message == "not a SentencePiece model (the bytes do not parse)")
        #expect(error?.description == "cannot load tokenizer model \(file.path): not a SentencePiece model (the bytes do not parse)")
    }

    @Test("corrupt model bytes are an error in plain words, without SentencePiece's source locations", arguments: [
        "garbage", "truncated", "empty",
    ])
    func corruptModelBytes(kind: String) throws {
        let good = try SentencePieceTokenizer.train(
            sentences: Captions.make(count: 40), options: TokenizerTrainingOptions(vocabSize: 40)
        ).modelBytes
        let bytes: [UInt8]
        switch kind {
        case "garbage": bytes = Array("garbage!".utf8) + [0xFF, 0xFF, 0xFF]
        case "truncated": bytes = Array(good.prefix(good.count / 2))
        default: bytes = []
        }
        let error = #expect(throws: TokenizerError.self) {
            try SentencePieceTokenizer(modelBytes: bytes)
        }
        guard case let .loadFailed(path, message)? = error else {
            Issue.record("expected loadFailed, got \(String(describing: error))")
            return
        }
        #expect(path == nil)
        #expect(!message.contains(".cc(") && !message.contains("ParseFromArray"), "\(message)")
        if kind == "empty" {
            #expect(message.contains("unk is not defined"), "\(message)")
        } else {
            #expect(message == "not a SentencePiece model (the bytes do not parse)")
        }
    }

    @Test("training with no sentence is an error", arguments: [[], [""], ["", "   ", "\t"]])
    func emptyTrainingInput(sentences: [String]) {
        #expect(throws: TokenizerError.emptyTrainingInput(path: nil)) {
            try SentencePieceTokenizer.train(sentences: sentences, options: TokenizerTrainingOptions(vocabSize: 16))
        }
    }

    @Test("training on a blank text file is an error naming the file")
    func emptyTrainingFile() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("blank.txt")
        try Data("\n  \n\n".utf8).write(to: file)
        let error = #expect(throws: TokenizerError.emptyTrainingInput(path: file.path)) {
            try SentencePieceTokenizer.train(textFile: file)
        }
        #expect(error?.description.contains(file.path) == true)
    }

    @Test("training on a missing text file is an error naming the file")
    func missingTrainingFile() {
        let path = "/nonexistent-\(UUID().uuidString)/captions.txt"
        let error = #expect(throws: TokenizerError.readFailed(path: path, message: "no such file")) {
            try SentencePieceTokenizer.train(textFile: URL(fileURLWithPath: path))
        }
        #expect(error?.description == "cannot read \(path): no such file")
    }

    @Test("training on a file that is not UTF-8 is an error naming the file")
    func nonUTF8TrainingFile() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("latin1.txt")
        try Data([0x61, 0x20, 0xE9, 0xE9, 0xFF, 0x0A]).write(to: file)
        #expect(throws: TokenizerError.readFailed(path: file.path, message: "not valid UTF-8 text")) {
            try SentencePieceTokenizer.train(textFile: file)
        }
    }

    @Test("a vocabulary too large for a tiny input succeeds with the soft limit")
    func softVocabLimit() throws {
        let sentences = ["a red circle", "a blue square"]
        for modelType in TokenizerTrainingOptions.ModelType.allCases {
            let options = TokenizerTrainingOptions(modelType: modelType, vocabSize: 1000)
            #expect(options.hardVocabLimit == false)
            let tokenizer = try SentencePieceTokenizer.train(sentences: sentences, options: options)
            #expect(tokenizer.vocabSize > 4)
            #expect(tokenizer.vocabSize < 1000)
            #expect(try tokenizer.decode(tokenizer.encode("a red square")) == "a red square")
        }
    }

    @Test("with the hard limit, a vocabulary too large is SentencePiece's error")
    func hardVocabLimit() {
        let options = TokenizerTrainingOptions(vocabSize: 1000, hardVocabLimit: true)
        let error = #expect(throws: TokenizerError.self) {
            try SentencePieceTokenizer.train(sentences: ["a red circle", "a blue square"], options: options)
        }
        guard case let .trainingFailed(path, message)? = error else {
            Issue.record("expected trainingFailed, got \(String(describing: error))")
            return
        }
        #expect(path == nil)
        #expect(message.contains("Vocabulary size too high (1000)"))
    }

    @Test("a vocabulary smaller than the characters is SentencePiece's error")
    func vocabularyTooSmall() {
        let error = #expect(throws: TokenizerError.self) {
            try SentencePieceTokenizer.train(
                sentences: Captions.make(), options: TokenizerTrainingOptions(vocabSize: 8))
        }
        guard case let .trainingFailed(_, message)? = error else {
            Issue.record("expected trainingFailed, got \(String(describing: error))")
            return
        }
        #expect(message.contains("Vocabulary size is smaller than required_chars"))
    }

    @Test("options out of range are rejected before training", arguments: [
        TokenizerTrainingOptions(vocabSize: 0),
        TokenizerTrainingOptions(vocabSize: -3),
        TokenizerTrainingOptions(characterCoverage: 0),
        TokenizerTrainingOptions(characterCoverage: 1.5),
    ])
    func invalidOptions(options: TokenizerTrainingOptions) {
        let error = #expect(throws: TokenizerError.self) {
            try SentencePieceTokenizer.train(sentences: Captions.make(count: 20), options: options)
        }
        guard case .invalidArgument? = error else {
            Issue.record("expected invalidArgument, got \(String(describing: error))")
            return
        }
    }

    @Test("a max length below 2 is rejected")
    func maxLengthTooSmall() throws {
        let tokenizer = try SentencePieceTokenizer.train(
            sentences: Captions.make(count: 40), options: TokenizerTrainingOptions(vocabSize: 40))
        for maxLength in [-1, 0, 1] {
            #expect(throws: TokenizerError.self) {
                try tokenizer.encode("a red circle", maxLength: maxLength)
            }
        }
    }

    @Test("ids outside the vocabulary are a decode error")
    func decodeOutOfRange() throws {
        let tokenizer = try SentencePieceTokenizer.train(
            sentences: Captions.make(count: 40), options: TokenizerTrainingOptions(vocabSize: 40))
        for id in [Int32(tokenizer.vocabSize), 100_000, -1] {
            let error = #expect(throws: TokenizerError.self) { try tokenizer.decode([2, 5, id, 3]) }
            #expect(error?.description.contains("Invalid id: \(id)") == true)
        }
        #expect(throws: TokenizerError.self) { try tokenizer.piece(for: -1) }
    }

    @Test("saving into a missing folder is an error naming the file")
    func saveIntoMissingFolder() throws {
        let tokenizer = try SentencePieceTokenizer.train(
            sentences: Captions.make(count: 40), options: TokenizerTrainingOptions(vocabSize: 40))
        let path = "/nonexistent-\(UUID().uuidString)/tok.model"
        let error = #expect(throws: TokenizerError.self) {
            try tokenizer.save(to: URL(fileURLWithPath: path))
        }
        guard case let .writeFailed(errorPath, _)? = error else {
            Issue.record("expected writeFailed, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
    }

    @Test("descriptions are one line")
    func oneLineDescriptions() {
        let error = TokenizerError.trainingFailed(path: "/data/c.txt", message: "first\nsecond\n")
        #expect(error.description == "cannot train tokenizer on /data/c.txt: first second")
    }
}
