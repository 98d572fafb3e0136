import Foundation
import Imaging
import Testing

/// Text chunks: written as tEXt (ASCII) or iTXt (other), read back in order.
@Suite struct PNGTextTests {
    private func makeImage() throws -> Image {
        try Image(width: 3, height: 2, format: .rgb, fill: (10, 20, 30))
    }

    private func pairs(_ entries: [PNGTextEntry]) -> [String] { entries.map { "\($0.key)=\($0.value)" } }

    @Test func asciiRoundTrip() throws {
        let image = try makeImage()
        let text: [PNGTextEntry] = [("prompt", "a large red circle in the center on a white background"),
                                    ("seed", "42"), ("sampler", "ddim"), ("empty", ""),
                                    ("seed", "43"), ("Multi line", "one\ntwo")]
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("text.png")
            try image.writePNG(to: url, text: text)
            #expect(pairs(try Image.readPNGText(at: url)) == pairs(text))
            #expect(try Image.readPNG(at: url) == image)
            let bytes = [UInt8](try Data(contentsOf: url))
            let chunks = PNGFixture.chunks(bytes)
            let crcsOK = chunks.allSatisfy(\.crcOK)
            #expect(crcsOK)
            #expect(chunks.filter { $0.type == "tEXt" }.count == text.count)
            #expect(chunks.last?.type == "IEND")
            #expect(chunks.first { $0.type == "tEXt" }?.data == Array("prompt\0a large red circle in the center on a white background".utf8))
        }
    }

    @Test func utf8RoundTrip() throws {
        let image = try makeImage()
        let text: [PNGTextEntry] = [("prompt", "a 🐱 cat wearing a 🎩, naïve café — 日本語"),
                                    ("negative", "blurry"), ("Größe", "groß")]
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("utf8.png")
            try image.writePNG(to: url, text: text)
            #expect(pairs(try Image.readPNGText(at: url)) == pairs(text))
            let chunks = PNGFixture.chunks([UInt8](try Data(contentsOf: url)))
            #expect(chunks.map(\.type).filter { $0 == "tEXt" || $0 == "iTXt" } == ["iTXt", "tEXt", "iTXt"])
            // iTXt layout: keyword \0, flag 0, method 0, empty language \0, empty translation \0, UTF-8.
            let itxt = chunks.first { $0.type == "iTXt" }?.data
            #expect(itxt == Array("prompt".utf8) + [0, 0, 0, 0, 0] + Array(text[0].value.utf8))
            // The Latin-1 keyword is written as Latin-1 bytes.
            #expect(chunks.last { $0.type == "iTXt" }?.data.prefix(6) == [0x47, 0x72, 0xF6, 0xDF, 0x65, 0])
        }
    }

    /// Reading: tEXt is Latin-1; zTXt and compressed iTXt are skipped; language and translated
    /// keyword of iTXt are ignored.
    @Test func readsHandWrittenChunks() throws {
        let png = PNGFixture.png(width: 1, height: 1, bitDepth: 8, colorType: 0, extra: [
            ("tEXt", Array("Title\0caf".utf8) + [0xE9]),                                 // "café" in Latin-1
            ("zTXt", Array("Comment\0".utf8) + [0] + PNGFixture.zlibStored(Array("hi".utf8))),
            ("iTXt", Array("Packed\0".utf8) + [1, 0, 0, 0] + PNGFixture.zlibStored(Array("x".utf8))),
            ("iTXt", Array("Author\0".utf8) + [0, 0] + Array("fr\0Auteur\0".utf8) + Array("Zoë 🐱".utf8)),
        ], rows: [[9]])
        let text = try Image.readPNGText(pngData: png, name: "chunks.png")
        #expect(pairs(text) == ["Title=café", "Author=Zoë 🐱"])
        #expect(try Image(pngData: png, name: "chunks.png").pixels == [9, 9, 9])
    }

    @Test func malformedTextChunkIsCorrupt() throws {
        let png = PNGFixture.png(width: 1, height: 1, bitDepth: 8, colorType: 0,
                                 extra: [("tEXt", Array("no separator".utf8))], rows: [[9]])
        let error = #expect(throws: ImagingError.self) { try Image.readPNGText(pngData: png, name: "m.png") }
        guard case .corrupt("m.png", _)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
    }

    @Test func invalidKeysAndValues() throws {
        let image = try makeImage()
        let bad: [PNGTextEntry] = [("", "v"), (String(repeating: "k", count: 80), "v"), (" lead", "v"),
                                   ("trail ", "v"), ("two  spaces", "v"), ("emoji🐱", "v"), ("tab\tkey", "v"),
                                   ("nul", "a\0b"), ("ctrl\u{85}", "v")]
        for entry in bad {
            let error = #expect(throws: ImagingError.self, "\(entry)") { try image.pngData(text: [entry]) }
            guard case .invalidArgument? = error else {
                Issue.record("\(entry): expected .invalidArgument, got \(String(describing: error))")
                continue
            }
        }
        // The limits themselves are fine.
        #expect(throws: Never.self) { try image.pngData(text: [(String(repeating: "k", count: 79), "v")]) }
        #expect(throws: Never.self) { try image.pngData(text: [("a b", "v"), ("~!", "v")]) }
    }

    @Test func noTextNoChunks() throws {
        let image = try makeImage()
        let png = try image.pngData()
        #expect(try Image.readPNGText(pngData: png, name: "plain.png").isEmpty)
        #expect(!PNGFixture.chunks(png).contains { $0.type == "tEXt" || $0.type == "iTXt" })
    }
}
