import Foundation
import Testing
import Tokenizers

/// A model trained once on the shape captions, shared by the tests that only read it.
private let captionModel = Result {
    try SentencePieceTokenizer.train(
        sentences: Captions.make(), options: TokenizerTrainingOptions(vocabSize: 64))
}

/// A fresh, empty folder for one test's files.
func makeScratchFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("TokenizersTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

@Suite("SentencePieceTokenizer round trips")
struct SentencePieceTokenizerTests {
    @Test("special ids are pad 0, unk 1, bos 2, eos 3")
    func specialIds() throws {
        #expect(SentencePieceTokenizer.padId == 0)
        #expect(SentencePieceTokenizer.unkId == 1)
        #expect(SentencePieceTokenizer.bosId == 2)
        #expect(SentencePieceTokenizer.eosId == 3)
        let tokenizer = try captionModel.get()
        #expect(try tokenizer.piece(for: 0) == "<pad>")
        #expect(try tokenizer.piece(for: 1) == "<unk>")
        #expect(try tokenizer.piece(for: 2) == "<s>")
        #expect(try tokenizer.piece(for: 3) == "</s>")
    }

    @Test("unigram: encode then decode gives the text back", arguments: [
        "a small red circle",
        "a big purple star in the center on a gray background",
        "a tiny orange triangle",
    ])
    func unigramRoundTrip(text: String) throws {
        let tokenizer = try captionModel.get()
        #expect(tokenizer.vocabSize > 4 && tokenizer.vocabSize <= 64)
        let ids = try tokenizer.encode(text)
        #expect(ids.first == SentencePieceTokenizer.bosId)
        #expect(ids.last == SentencePieceTokenizer.eosId)
        #expect(ids.count > 2)
        #expect(ids.dropFirst().dropLast().allSatisfy { $0 > 3 && Int($0) < tokenizer.vocabSize })
        #expect(try tokenizer.decode(ids) == text)
    }

    @Test("bpe: trains to the requested size and round trips")
    func bpeRoundTrip() throws {
        let options = TokenizerTrainingOptions(modelType: .bpe, vocabSize: 64)
        let tokenizer = try SentencePieceTokenizer.train(sentences: Captions.make(), options: options)
        #expect(tokenizer.vocabSize == 64)
        let text = "a large green square on the left on a black background"
        #expect(try tokenizer.decode(tokenizer.encode(text)) == text)
    }

    @Test("encode without bos and eos gives only the text's pieces")
    func encodeWithoutSpecials() throws {
        let tokenizer = try captionModel.get()
        let framed = try tokenizer.encode("a small red circle")
        let bare = try tokenizer.encode("a small red circle", addBos: false, addEos: false)
        #expect(bare == Array(framed.dropFirst().dropLast()))
        #expect(try tokenizer.encode("a small red circle", addBos: true, addEos: false) == Array(framed.dropLast()))
        #expect(try tokenizer.encode("", addBos: true, addEos: true) == [2, 3])
    }

    @Test("padding: bos, ids, eos, then pad 0 up to exactly maxLength")
    func padding() throws {
        let tokenizer = try captionModel.get()
        let text = "a small red circle"
        let plain = try tokenizer.encode(text)
        let maxLength = plain.count + 5
        let padded = try tokenizer.encode(text, maxLength: maxLength)
        #expect(padded.count == maxLength)
        #expect(padded.first == 2)
        #expect(Array(padded.prefix(plain.count)) == plain)
        #expect(padded[plain.count - 1] == 3)
        #expect(padded.suffix(5).allSatisfy { $0 == 0 })
        #expect(try tokenizer.decode(padded) == text)

        let unpadded = try tokenizer.encode(text, maxLength: maxLength, padding: false)
        #expect(unpadded == plain)
    }

    @Test("exact fit: no truncation and no padding")
    func exactFit() throws {
        let tokenizer = try captionModel.get()
        let plain = try tokenizer.encode("a small red circle")
        #expect(try tokenizer.encode("a small red circle", maxLength: plain.count) == plain)
    }

    @Test("truncation keeps bos first and eos last, cutting the text's tail", arguments: [2, 3, 5, 8])
    func truncation(maxLength: Int) throws {
        let tokenizer = try captionModel.get()
        let text = "a big purple star in the center on a gray background"
        let plain = try tokenizer.encode(text)
        #expect(plain.count > 8)
        let cut = try tokenizer.encode(text, maxLength: maxLength)
        #expect(cut.count == maxLength)
        #expect(cut.first == 2)
        #expect(cut.last == 3)
        #expect(!cut.contains(0))
        #expect(Array(cut.dropLast()) == Array(plain.prefix(maxLength - 1)))
        #expect(try tokenizer.encode(text, maxLength: maxLength, padding: false) == cut)
    }

    @Test("decode skips pad, bos and eos anywhere")
    func decodeSkipsSpecials() throws {
        let tokenizer = try captionModel.get()
        let bare = try tokenizer.encode("a small red circle", addBos: false, addEos: false)
        #expect(try tokenizer.decode([0, 2] + bare + [3, 0, 0]) == "a small red circle")
        #expect(try tokenizer.decode([]) == "")
        #expect(try tokenizer.decode([2, 3, 0]) == "")
    }

    @Test("characters never seen in training encode to unk")
    func unknownCharacters() throws {
        let tokenizer = try captionModel.get()
        let ids = try tokenizer.encode("a red ☃", addBos: false, addEos: false)
        #expect(ids.contains(SentencePieceTokenizer.unkId))
    }

    @Test("save then load from the file and from bytes gives the same model")
    func saveAndLoad() throws {
        let tokenizer = try captionModel.get()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tok.model")
        try tokenizer.save(to: file)

        let contents = try Data(contentsOf: file)
        #expect([UInt8](contents) == tokenizer.modelBytes)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["tok.model"])

        let fromFile = try SentencePieceTokenizer(contentsOf: file)
        let fromBytes = try SentencePieceTokenizer(modelBytes: tokenizer.modelBytes)
        let text = "a tiny blue square in the bottom right on a white background"
        let ids = try tokenizer.encode(text)
        #expect(fromFile.vocabSize == tokenizer.vocabSize)
        #expect(fromBytes.vocabSize == tokenizer.vocabSize)
        #expect(try fromFile.encode(text) == ids)
        #expect(try fromBytes.encode(text) == ids)
        #expect(fromFile.modelBytes == tokenizer.modelBytes)

        // Saving over an existing file replaces it.
        let other = try SentencePieceTokenizer.train(
            sentences: Captions.make(count: 50), options: TokenizerTrainingOptions(modelType: .bpe, vocabSize: 40))
        try other.save(to: file)
        #expect(try SentencePieceTokenizer(contentsOf: file).modelBytes == other.modelBytes)
    }

    @Test("training from a text file uses each non-empty line")
    func trainFromTextFile() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("captions.txt")
        let captions = Captions.make()
        let text = "\n\n" + captions.joined(separator: "\r\n") + "\n   \n"
        try Data(text.utf8).write(to: file)

        let options = TokenizerTrainingOptions(vocabSize: 64)
        let fromFile = try SentencePieceTokenizer.train(textFile: file, options: options)
        let fromStrings = try SentencePieceTokenizer.train(sentences: captions, options: options)
        #expect(fromFile.modelBytes == fromStrings.modelBytes)
    }

    @Test("training is reproducible")
    func reproducible() throws {
        let options = TokenizerTrainingOptions(vocabSize: 64)
        let first = try SentencePieceTokenizer.train(sentences: Captions.make(), options: options)
        let second = try SentencePieceTokenizer.train(sentences: Captions.make(), options: options)
        #expect(first.modelBytes == second.modelBytes)
    }

    @Test("one tokenizer serves many threads at once")
    func concurrentEncode() async throws {
        let tokenizer = try captionModel.get()
        let captions = Captions.make(count: 64)
        let expected = try captions.map { try tokenizer.encode($0, maxLength: 32) }
        let results = try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
            for (index, caption) in captions.enumerated() {
                group.addTask { (index, try tokenizer.encode(caption, maxLength: 32)) }
            }
            var results = [[Int32]](repeating: [], count: captions.count)
            for try await (index, ids) in group { results[index] = ids }
            return results
        }
        #expect(results == expected)
    }
}
