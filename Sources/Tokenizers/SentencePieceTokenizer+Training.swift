import CSentencePiece
import Foundation

extension SentencePieceTokenizer {
    /// Trains a model on `sentences`, in memory (no file is written).
    public static func train(
        sentences: [String],
        options: TokenizerTrainingOptions = TokenizerTrainingOptions()
    ) throws -> SentencePieceTokenizer {
        try train(sentences: sentences, options: options, path: nil)
    }

    /// Trains a model on a UTF-8 text file holding one sentence per non-empty line.
    public static func train(
        textFile url: URL,
        options: TokenizerTrainingOptions = TokenizerTrainingOptions()
    ) throws -> SentencePieceTokenizer {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenizerError.readFailed(path: path, message: "no such file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.readFailed(path: path, message: describe(error))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.readFailed(path: path, message: "not valid UTF-8 text")
        }
        // NUL and other control bytes (tab aside) mean a binary file, not captions.
        if let bad = data.firstIndex(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) {
            throw TokenizerError.readFailed(path: path, message: "not text: control byte 0x\(String(data[bad], radix: 16)) at byte \(bad - data.startIndex)")
        }
        return try train(sentences: lines(of: text), options: options, path: path)
    }

    /// The non-blank lines of `text`, without their line terminators.
    static func lines(of text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .filter { line in line.contains { !$0.isWhitespace } }
            .map(String.init)
    }

    private static func train(
        sentences: [String],
        options: TokenizerTrainingOptions,
        path: String?
    ) throws -> SentencePieceTokenizer {
        try options.validate()
        let corpus = sentences.filter { sentence in sentence.contains { !$0.isWhitespace } }
        guard !corpus.isEmpty else { throw TokenizerError.emptyTrainingInput(path: path) }

        // All sentences in one buffer; the C side reads (pointer, length) pairs into it.
        var storage: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for sentence in corpus {
            offsets.append(storage.count)
            storage.append(contentsOf: sentence.utf8)
            lengths.append(storage.count - offsets[offsets.count - 1])
        }
        storage.append(0)  // never empty, so `baseAddress` is never nil

        var model: UnsafeMutablePointer<CChar>?
        var modelLength = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = storage.withUnsafeBytes { raw -> Int32 in
            let base = raw.bindMemory(to: CChar.self).baseAddress
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in base.map { UnsafePointer($0 + offset) } }
            return options.trainerArguments.withCString { args in
                pointers.withUnsafeBufferPointer { sentencePointers in
                    lengths.withUnsafeBufferPointer { sentenceLengths in
                        t2i_sp_train(
                            args, sentencePointers.baseAddress, sentenceLengths.baseAddress, corpus.count,
                            &model, &modelLength, &error)
                    }
                }
            }
        }
        guard status == 0, let model else {
            throw TokenizerError.trainingFailed(path: path, message: takeMessage(error))
        }
        defer { t2i_sp_free_bytes(model) }
        let bytes = model.withMemoryRebound(to: UInt8.self, capacity: modelLength) {
            Array(UnsafeBufferPointer(start: $0, count: modelLength))
        }
        do {
            return try SentencePieceTokenizer(modelBytes: bytes)
        } catch let TokenizerError.loadFailed(_, message) {
            throw TokenizerError.trainingFailed(path: path, message: message)
        }
    }
}
