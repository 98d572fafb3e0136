import Foundation
import Testing

/// `t2i tokenizer train|encode|decode` and `t2i --version`, run as a user runs them.
@Suite("t2i tokenizer")
struct TokenizerCommandTests {
    /// ~200 distinct shape captions, one per line.
    static func captionFile(in folder: URL) throws -> URL {
        let sizes = ["small", "large", "tiny", "big"]
        let colors = ["red", "green", "blue", "yellow", "purple", "orange"]
        let shapes = ["circle", "square", "triangle", "star"]
        let places = ["in the top left", "in the center", "in the bottom right", "on the left"]
        let backgrounds = ["white", "black", "gray"]
        var lines: [String] = []
        for index in 0..<200 {
            let size = sizes[index % sizes.count]
            let color = colors[(index / 2) % colors.count]
            let shape = shapes[(index / 3) % shapes.count]
            let place = places[(index / 5) % places.count]
            let background = backgrounds[(index / 7) % backgrounds.count]
            lines.append("a \(size) \(color) \(shape) \(place) on a \(background) background")
        }
        let file = folder.appendingPathComponent("captions.txt")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        return file
    }

    /// The lines of `text` that are not blank.
    static func lines(_ text: String) -> [Substring] {
        text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
    }

    @Test("train, encode, decode: the text comes back", arguments: ["unigram", "bpe"])
    func trainEncodeDecode(modelType: String) throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.captionFile(in: folder)

        let train = try t2i.run(
            ["tokenizer", "train", "--input", "captions.txt", "--vocab-size", "64",
             "--model-type", modelType, "--out", "tok.model"],
            in: folder)
        #expect(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stderr.isEmpty, "SentencePiece should be silent: \(train.stderr)")
        #expect(train.stdout.contains("tok.model"))
        #expect(train.stdout.contains("vocab size"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tok.model").path))

        let encode = try t2i.run(["tokenizer", "encode", "--model", "tok.model", "a small red circle"], in: folder)
        #expect(encode.status == 0, "stderr: \(encode.stderr)")
        let encodeLines = Self.lines(encode.stdout)
        try #require(encodeLines.count == 1)
        let ids = encodeLines[0].split(separator: " ").map(String.init)
        #expect(ids.first == "2")
        #expect(ids.last == "3")
        #expect(ids.allSatisfy { Int32($0) != nil })

        let decode = try t2i.run(["tokenizer", "decode", "--model", "tok.model"] + ids, in: folder)
        #expect(decode.status == 0, "stderr: \(decode.stderr)")
        #expect(decode.stdout == "a small red circle\n")
    }

    @Test("encode --max-length truncates keeping eos, and pads with 0")
    func encodeMaxLength() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.captionFile(in: folder)
        let train = try t2i.run(
            ["tokenizer", "train", "--input", "captions.txt", "--vocab-size", "64", "--out", "tok.model"], in: folder)
        try #require(train.status == 0, "stderr: \(train.stderr)")

        let full = try t2i.run(["tokenizer", "encode", "--model", "tok.model", "a big purple star"], in: folder)
        let fullIds = full.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        try #require(fullIds.count > 4)

        let short = try t2i.run(
            ["tokenizer", "encode", "--model", "tok.model", "--max-length", "4", "a big purple star"], in: folder)
        #expect(short.status == 0)
        let shortIds = short.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(shortIds == Array(fullIds.prefix(3)) + ["3"])

        let long = try t2i.run(
            ["tokenizer", "encode", "--model", "tok.model", "--max-length", "\(fullIds.count + 3)",
             "a big purple star"], in: folder)
        let longIds = long.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(longIds == fullIds + ["0", "0", "0"])
    }

    @Test("a missing --input file is a one-line error naming it, and a non-zero exit")
    func missingInputFile() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("no-such-captions.txt").path

        let result = try t2i.run(
            ["tokenizer", "train", "--input", missing, "--vocab-size", "64", "--out", "tok.model"], in: folder)
        #expect(result.status != 0)
        let errorLines = Self.lines(result.stderr)
        #expect(errorLines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(missing))
        #expect(result.stderr.hasPrefix("Error: "))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("tok.model").path))
    }

    @Test("a missing --model file is a one-line error naming it, in plain words")
    func missingModelFile() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.model").path

        for arguments in [["encode", "--model", missing, "a red circle"], ["decode", "--model", missing, "2", "3"]] {
            let result = try t2i.run(["tokenizer"] + arguments, in: folder)
            #expect(result.status != 0)
            #expect(Self.lines(result.stderr).count == 1, "stderr: \(result.stderr)")
            #expect(result.stderr == "Error: cannot load tokenizer model \(missing): no such file\n", "stderr: \(result.stderr)")
        }
    }

    @Test("a non-positive --vocab-size is a usage error")
    func badVocabSize() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.captionFile(in: folder)
        let result = try t2i.run(
            ["tokenizer", "train", "--input", "captions.txt", "--vocab-size", "0", "--out", "tok.model"], in: folder)
        #expect(result.status != 0)
        #expect(result.stderr.contains("--vocab-size"))
    }

    @Test("t2i --version prints the version")
    func version() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try t2i.run(["--version"], in: folder)
        #expect(result.status == 0)
        let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3)
        #expect(version.split(separator: ".").allSatisfy { Int($0) != nil })
    }
}
