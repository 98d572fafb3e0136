import Datasets
import Foundation
import Testing

@Suite("dataset loading: bad input is counted, named and refused above 1 %")
struct DatasetValidationTests {
    /// A folder with `good` 16×16 shapes images and their caption lines, plus `extra` raw lines.
    static func dataset(good: Int, extra: [String], prepare: (URL) throws -> Void = { _ in }) throws -> URL {
        let folder = try TestFolders.scratch()
        try ShapesGenerator(size: 16, seed: 1).write(count: good, to: folder)
        let existing = try String(contentsOf: folder.appendingPathComponent("captions.jsonl"), encoding: .utf8)
        try prepare(folder)
        try TestFolders.writeCaptions(existing.split(separator: "\n").map(String.init) + extra, in: folder)
        return folder
    }

    /// One bad line, what its issue says, and its kind.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let line: String
        let kind: DatasetIssue.Kind
        let issue: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "missing file", line: TestFolders.line("gone.png", "a caption"), kind: .missingFile,
             issue: "captions.jsonl:11: gone.png: missing file"),
        Case(name: "absolute path", line: TestFolders.line("/tmp/outside.png", "a caption"), kind: .outsideFolder,
             issue: "captions.jsonl:11: /tmp/outside.png: out-of-folder file (entries name files inside the dataset folder: no absolute paths, '..' or links out)"),
        Case(name: "dot-dot", line: TestFolders.line("sub/../../outside.png", "a caption"), kind: .outsideFolder,
             issue: "captions.jsonl:11: sub/../../outside.png: out-of-folder file (entries name files inside the dataset folder: no absolute paths, '..' or links out)"),
        Case(name: "link out", line: TestFolders.line("link.png", "a caption"), kind: .outsideFolder,
             issue: "captions.jsonl:11: link.png: out-of-folder file (entries name files inside the dataset folder: no absolute paths, '..' or links out)"),
        Case(name: "not JSON", line: "{\"file\": \"000001.png\", \"text\": ", kind: .malformedJSON,
             issue: "captions.jsonl:11: malformed JSON line (not valid JSON)"),
        Case(name: "not an object", line: "[\"000001.png\", \"a caption\"]", kind: .malformedJSON,
             issue: "captions.jsonl:11: malformed JSON line (not a JSON object)"),
        Case(name: "no file key", line: "{\"text\": \"a caption\"}", kind: .malformedJSON,
             issue: "captions.jsonl:11: malformed JSON line (\"file\" is missing or not a non-empty string)"),
        Case(name: "text not a string", line: "{\"file\": \"000001.png\", \"text\": 3}", kind: .malformedJSON,
             issue: "captions.jsonl:11: 000001.png: malformed JSON line (\"text\" is missing or not a string or a list of strings)"),
        Case(name: "empty caption", line: TestFolders.line("000001.png", "  "), kind: .emptyCaption,
             issue: "captions.jsonl:11: 000001.png: empty caption"),
        Case(name: "not a PNG", line: TestFolders.line("junk.png", "a caption"), kind: .unreadableImage,
             issue: "captions.jsonl:11: junk.png: unreadable image (unsupported image format: unknown (t2i reads PNG and JPEG))"),
        Case(name: "truncated PNG", line: TestFolders.line("cut.png", "a caption"), kind: .unreadableImage,
             issue: "captions.jsonl:11: cut.png: unreadable image (corrupt PNG: truncated"),
    ]

    /// Removes a dataset made with `addBrokenFiles` and the file it left beside it.
    static func remove(_ folder: URL) {
        try? FileManager.default.removeItem(at: folder)
        try? FileManager.default.removeItem(at: folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + "-outside.png"))
    }

    /// Writes the broken files the cases name.
    static func addBrokenFiles(_ folder: URL) throws {
        try Data("this is not a PNG file".utf8).write(to: folder.appendingPathComponent("junk.png"))
        let good = try Data(contentsOf: folder.appendingPathComponent("000001.png"))
        try good.prefix(60).write(to: folder.appendingPathComponent("cut.png"))
        try TestFolders.writeSolidPNG(folder.appendingPathComponent("small.png"), size: 8, colour: (1, 2, 3))
        // A readable 16×16 PNG beside the folder, and a link to it inside: neither may be used.
        let outside = folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + "-outside.png")
        try TestFolders.writeSolidPNG(outside, size: 16, colour: (9, 9, 9))
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link.png"), withDestinationURL: outside)
    }

    @Test("one bad line in eleven fails with a one-line error naming the folder, the count and the line",
          arguments: cases)
    func badLineFails(c: Case) throws {
        let folder = try Self.dataset(good: 10, extra: [c.line], prepare: Self.addBrokenFiles)
        defer { Self.remove(folder) }
        let error = #expect(throws: DatasetError.self) { try CaptionedDataset.load(from: folder) }
        guard case .tooManyBadEntries(let path, let report)? = error else {
            Issue.record("expected tooManyBadEntries, got \(String(describing: error))")
            return
        }
        #expect(path == folder.path)
        #expect(report.entryCount == 11 && report.badCount == 1 && report.count(of: c.kind) == 1)
        let message = error?.description ?? ""
        let prefix = "dataset \(folder.path): 1 of 11 entries are bad (9.1 %, more than 1 %): "
            + "\(c.kind.counted(1)); first: "
        #expect(message.hasPrefix(prefix + c.issue), "\(message)")
        #expect(message.hasSuffix(" (--allow-bad skips them)"))
        #expect(!message.contains("\n"))
        if c.name != "truncated PNG" {
            #expect(message == prefix + c.issue + " (--allow-bad skips them)")
            #expect(report.issues.first?.description == c.issue)
        }
    }

    @Test("with allowBadEntries the bad line is skipped and reported", arguments: cases)
    func badLineAllowed(c: Case) throws {
        let folder = try Self.dataset(good: 10, extra: [c.line], prepare: Self.addBrokenFiles)
        defer { Self.remove(folder) }
        let dataset = try CaptionedDataset.load(from: folder, allowBadEntries: true)
        #expect(dataset.count == 10)
        #expect(dataset.entries.map(\.line) == Array(1...10))
        #expect(dataset.report.issues.map(\.kind) == [c.kind])
        #expect(dataset.report.issues.first?.line == 11)
    }

    @Test("the kinds and their nouns")
    func kindNouns() {
        #expect(DatasetIssue.Kind.allCases.map { $0.counted(1) } == [
            "1 malformed JSON line", "1 empty caption", "1 out-of-folder file", "1 missing file", "1 unreadable image",
            "1 image without a caption", "1 caption file without its image",
        ])
        #expect(DatasetIssue.Kind.uncaptionedImage.counted(2) == "2 images without a caption")
        #expect(DatasetIssue.Kind.orphanCaption.counted(3) == "3 caption files without their image")
        #expect(DatasetIssue.Kind.outsideFolder.counted(2) == "2 out-of-folder files")
        #expect(DatasetIssue.Kind.missingFile.counted(2) == "2 missing files")
    }

    @Test("exactly 1 % bad loads without allowBadEntries; more than 1 % does not")
    func threshold() throws {
        let ok = try Self.dataset(good: 99, extra: [TestFolders.line("gone.png", "x")])
        defer { try? FileManager.default.removeItem(at: ok) }
        let dataset = try CaptionedDataset.load(from: ok)
        #expect(dataset.count == 99 && dataset.report.entryCount == 100 && dataset.report.badCount == 1)

        let bad = try Self.dataset(good: 98, extra: [TestFolders.line("gone.png", "x"), TestFolders.line("gone2.png", "x")])
        defer { try? FileManager.default.removeItem(at: bad) }
        #expect(throws: DatasetError.self) { try CaptionedDataset.load(from: bad) }
    }

    @Test("every kind at once: counts per kind and the first five named, in line order")
    func allKinds() throws {
        let lines = [
            TestFolders.line("gone.png", "x"), "not json", TestFolders.line("junk.png", "x"),
            TestFolders.line("000001.png", ""), TestFolders.line("small.png", "x"), TestFolders.line("gone2.png", "x"),
        ]
        let folder = try Self.dataset(good: 4, extra: lines, prepare: Self.addBrokenFiles)
        defer { Self.remove(folder) }
        let error = #expect(throws: DatasetError.self) { try CaptionedDataset.load(from: folder) }
        // small.png (8×8) is not bad: it is resized to the dataset's 16.
        #expect(error?.description == "dataset \(folder.path): 5 of 10 entries are bad (50.0 %, more than 1 %): "
            + "1 malformed JSON line, 1 empty caption, 2 missing files, 1 unreadable image; "
            + "first: captions.jsonl:5: gone.png: missing file; captions.jsonl:6: malformed JSON line (not valid JSON); "
            + "captions.jsonl:7: junk.png: unreadable image (unsupported image format: unknown (t2i reads PNG and JPEG)); "
            + "captions.jsonl:8: 000001.png: empty caption; "
            + "captions.jsonl:10: gone2.png: missing file (--allow-bad skips them)")
    }

    @Test("a folder without captions.jsonl is an error naming the file")
    func noCaptionsFile() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("captions.jsonl").path
        let error = #expect(throws: DatasetError.captionsNotFound(path)) { try CaptionedDataset.load(from: folder) }
        #expect(error?.description == "\(path): no such file, and no images in the folder (a dataset is a folder of PNG or "
                + "JPEG images with captions.jsonl, metadata.jsonl, or a NAME.txt beside each image NAME.png)")
    }

    @Test("nothing usable is an error even with allowBadEntries")
    func nothingUsable() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestFolders.writeCaptions([TestFolders.line("a.png", "x"), "", TestFolders.line("b.png", "y")], in: folder)
        let error = #expect(throws: DatasetError.self) { try CaptionedDataset.load(from: folder, allowBadEntries: true) }
        #expect(error?.description == "\(folder.path)/captions.jsonl: no usable entries (2 read): 2 missing files; "
            + "first: captions.jsonl:1: a.png: missing file; captions.jsonl:3: b.png: missing file")
    }

    @Test("blank lines are skipped but counted in line numbers; CRLF and extra keys are fine")
    func blankLinesAndExtras() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestFolders.writeSolidPNG(folder.appendingPathComponent("a.png"), size: 4, colour: (255, 0, 0))
        try TestFolders.writeSolidPNG(folder.appendingPathComponent("b.png"), size: 4, colour: (0, 0, 255))
        let text = "{\"file\": \"a.png\", \"text\": \"red\", \"score\": 3}\r\n\r\n   \n{\"text\": \"blue\", \"file\": \"b.png\"}\n"
        try Data(text.utf8).write(to: folder.appendingPathComponent("captions.jsonl"))
        let dataset = try CaptionedDataset.load(from: folder)
        #expect(dataset.entries == [DatasetEntry(file: "a.png", text: "red", line: 1),
                                    DatasetEntry(file: "b.png", text: "blue", line: 4)])
        #expect(dataset.width == 4 && dataset.height == 4 && dataset.report.badCount == 0)
        #expect(dataset.image(at: 1).pixel(x: 3, y: 3) == [0, 0, 255])
    }
}
