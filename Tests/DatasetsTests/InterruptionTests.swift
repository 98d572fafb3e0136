import Foundation
import Imaging
import Testing
import Datasets

/// Ctrl-C while reading or importing a dataset (issue 13 §6): the work stops at the next image,
/// says which phase stopped, and leaves nothing behind.
@Suite("Interrupted dataset work")
struct InterruptionTests {
    @Test("loading asks shouldStop and ends with an Interruption naming the folder")
    func loading() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ShapesGenerator(size: 8, seed: 2).write(count: 300, to: folder)
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let calls = ShapesInterruptTests.Calls()
        let error = #expect(throws: Interruption.self) {
            try CaptionedDataset.load(from: folder, shouldStop: { calls.next() > 100 })
        }
        #expect(error?.description == "interrupted while loading \(folder.path); nothing was changed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before)
        // Not asked to stop: the same folder loads whole.
        #expect(try CaptionedDataset.load(from: folder, shouldStop: { false }).count == 300)
    }

    @Test("an interrupted emoji import removes the images it wrote and writes no captions.jsonl")
    func emojiImport() throws {
        let root = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("tw"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let art = try Image(width: 4, height: 4, format: .rgb, pixels: [UInt8](repeating: 200, count: 48))
        let names = EmojiNames(emojiTest: (0..<200).map {
            String(0x1F600 + $0, radix: 16, uppercase: true) + " ; fully-qualified # x E1.0 face \($0)"
        }.joined(separator: "\n"))
        for i in 0..<200 { try art.writePNG(to: source.appendingPathComponent(String(0x1F600 + i, radix: 16) + ".png")) }
        let importer = try EmojiImporter(names: names, size: 2)
        let calls = ShapesInterruptTests.Calls()
        let error = #expect(throws: DatasetError.self) {
            try importer.importSources([EmojiSource(style: "twemoji", folder: source)], to: out) { calls.next() > 70 }
        }
        guard case .interrupted(let path, let removed)? = error else {
            Issue.record("expected interrupted, got \(String(describing: error))")
            return
        }
        #expect(path == out.path && removed >= 1 && removed <= 70)
        #expect(!FileManager.default.fileExists(atPath: out.path), "the folder the import made is gone")
        #expect(try FileManager.default.contentsOfDirectory(atPath: source.path).count == 200, "the sources are untouched")
    }

    @Test("a captions line parses to its file and text, or to the issue that makes it bad")
    func captionsLine() {
        #expect(CaptionsLine.parse(#"{"file": "a.png", "text": "a red circle", "n": 1}"#, line: 3)
                == .success(CaptionsLine.Parsed(file: "a.png", texts: ["a red circle"])))
        guard case .failure(let issue) = CaptionsLine.parse(#"{"file": "a.png", "text": " "}"#, line: 4) else {
            Issue.record("a blank caption was accepted")
            return
        }
        #expect(issue.kind == .emptyCaption && issue.line == 4 && issue.file == "a.png")
        guard case .failure(let bad) = CaptionsLine.parse("[1]", line: 5) else {
            Issue.record("a JSON array was accepted")
            return
        }
        #expect(bad.kind == .malformedJSON && bad.detail == "not a JSON object")
        #expect(CaptionsLine.lines(of: Data("a\r\n\n  \nb".utf8)) == [.init(number: 1, text: "a"), .init(number: 4, text: "b")])
    }
}
