import Datasets
import Foundation
import Imaging
import Testing

@Suite("dataset statistics and contact sheet")
struct DatasetStatisticsTests {
    @Test("words are lowercased and stripped of surrounding punctuation")
    func words() {
        #expect(DatasetStatistics.words(in: "an emoji of keycap: #, twemoji style")
                == ["an", "emoji", "of", "keycap", "#", "twemoji", "style"])
        #expect(DatasetStatistics.words(in: "  A Red (circle)!  ") == ["a", "red", "circle"])
        #expect(DatasetStatistics.words(in: " , ").isEmpty)
    }

    @Test("counts, caption lengths, vocabulary, top words, and the contact sheet's size")
    func statistics() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (i, colour) in [(255, 0, 0), (0, 255, 0), (0, 0, 255)].enumerated() {
            try TestFolders.writeSolidPNG(folder.appendingPathComponent("\(i).png"), size: 4,
                                          colour: (UInt8(colour.0), UInt8(colour.1), UInt8(colour.2)))
        }
        try TestFolders.writeCaptions([
            TestFolders.line("0.png", "a red square"), TestFolders.line("1.png", "a green square, big"),
            TestFolders.line("2.png", "a red square"),
        ], in: folder)
        let dataset = try CaptionedDataset.load(from: folder)
        let stats = DatasetStatistics(dataset: dataset, topCount: 3)
        #expect(stats.imageCount == 3 && stats.width == 4 && stats.height == 4)
        #expect(stats.minWords == 3 && stats.maxWords == 4 && abs(stats.meanWords - 10.0 / 3) < 1e-12)
        #expect(stats.distinctCaptions == 2 && stats.vocabularySize == 5)
        #expect(stats.topWords == [.init(word: "a", count: 3), .init(word: "square", count: 3),
                                   .init(word: "red", count: 2)])
        // 3 images of 4×4 at scale 2 in 2 columns: 2·8 + 3·2 = 22 wide, 2 rows → 22 high.
        let sheet = try dataset.contactSheet(count: 10, columns: 2, scale: 2)
        #expect(sheet.width == 22 && sheet.height == 22)
        #expect(sheet.pixel(x: 2, y: 2) == [255, 0, 0] && sheet.pixel(x: 12, y: 2) == [0, 255, 0])
        #expect(sheet.pixel(x: 2, y: 12) == [0, 0, 255] && sheet.pixel(x: 12, y: 12) == [255, 255, 255])
        #expect(throws: DatasetError.self) { try dataset.contactSheet(count: 0) }
    }
}
