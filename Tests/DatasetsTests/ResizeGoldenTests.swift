import Datasets
import Foundation
import Imaging
import Testing

/// The loader's resize and centre crop against Pillow's (scripts/fixtures/resize.py): the shorter
/// side resized with each filter, the longer side as torchvision's `Resize`, a strip cut to 4:1.
@Suite("dataset resize and crop: Pillow's values")
struct ResizeGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/resize").standardizedFileURL

    struct Case: Decodable, Sendable, CustomStringConvertible {
        let source: String
        let filter: String
        let size: Int
        var description: String { "\(source) \(filter) \(size)" }
    }

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("cases.json")),
              let cases = try? JSONDecoder().decode([Case].self, from: data) else { return [] }
        return cases
    }()

    @Test("the fixture lists every source × filter × size")
    func fixturePresent() {
        #expect(Self.cases.count == 3 * ResampleFilter.allCases.count * 2, "no resize fixture at \(Self.folder.path)")
    }

    @Test("the prepared centre crop equals Pillow's to the byte", arguments: cases)
    func matchesPillow(c: Case) throws {
        let scratch = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("\(c.source).png"),
                                         to: scratch.appendingPathComponent("image.png"))
        try TestFolders.writeCaptions([TestFolders.line("image.png", "a picture")], in: scratch)
        let filter = try #require(ResampleFilter(rawValue: c.filter))
        let dataset = try CaptionedDataset.load(from: scratch, size: c.size, filter: filter, prepare: false)
        let expected = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent("\(c.source)-\(c.filter)-\(c.size).rgb")))
        let got = dataset.image(at: 0).pixels
        try #require(got.count == expected.count)
        // Same integer arithmetic as Pillow's 8-bit resampler: measured 0 levels apart on every
        // case; the acceptance bound is 1.
        let worst = zip(got, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 1, "\(c): max difference \(worst)")
        #expect(got == expected, "\(c): \(zip(got, expected).filter { $0 != $1 }.count) bytes differ")
    }
}
