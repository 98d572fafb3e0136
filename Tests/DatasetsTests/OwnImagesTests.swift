import Datasets
import Foundation
import Imaging
import Testing

/// Issue 15: folders of images of any size, captioned in the three conventions, prepared once.
@Suite("own images: caption conventions, crops, several captions, the prepared file")
struct OwnImagesTests {
    /// An RGB image whose every pixel is different (so crops and flips are visible).
    static func pattern(width: Int, height: Int, seed: Int) throws -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i &* 37 &+ seed &* 101) }
        return try Image(width: width, height: height, format: .rgb, pixels: pixels)
    }

    /// A folder of `sizes.count` PNGs, `img0.png` …, of the given sizes.
    static func folder(sizes: [(Int, Int)]) throws -> URL {
        let folder = try TestFolders.scratch()
        for (i, (w, h)) in sizes.enumerated() {
            try pattern(width: w, height: h, seed: i).writePNG(to: folder.appendingPathComponent("img\(i).png"))
        }
        return folder
    }

    @Test("metadata.jsonl (imagefolder): file_name and text, another caption column, caption lists, unlisted images")
    func metadataConvention() throws {
        let folder = try Self.folder(sizes: [(20, 12), (12, 20), (16, 16)])
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("""
            {"file_name": "img0.png", "text": "a wide one", "prompt": "wide"}
            {"file_name": "img1.png", "text": ["a tall one", " ", "tall"], "prompt": "tall"}

            """.utf8).write(to: folder.appendingPathComponent("metadata.jsonl"))
        let dataset = try CaptionedDataset.load(from: folder, size: 8)
        #expect(dataset.convention == .metadataJSONL)
        #expect(dataset.entries == [DatasetEntry(file: "img0.png", texts: ["a wide one"], line: 1),
                                    DatasetEntry(file: "img1.png", texts: ["a tall one", "tall"], line: 2)])
        #expect(dataset.unlisted == 1 && dataset.report.badCount == 0)
        #expect(dataset.captionTexts == ["a wide one", "a tall one", "tall"] && dataset.captionRows(of: 1) == 1..<3)
        // 20×12 → 13×8 (⌊8 · 20 / 12⌋), 12×20 → 8×13.
        #expect(dataset.storedSize(of: 0) == (13, 8) && dataset.storedSize(of: 1) == (8, 13))
        let other = try CaptionedDataset.load(from: folder, size: 8, captionColumn: "prompt", prepare: false)
        #expect(other.captions == ["wide", "tall"])
        let error = #expect(throws: DatasetError.self) { try CaptionedDataset.load(from: folder, size: 8, captionColumn: "label") }
        #expect(error?.description.contains("metadata.jsonl:1: img0.png: malformed JSON line (\"label\" is missing or not a string or a list of strings)") == true)
    }

    @Test("sidecar .txt/.caption: one caption per non-blank line; an image without one and a caption file without its image are named")
    func sidecarConvention() throws {
        let folder = try Self.folder(sizes: [(10, 10), (14, 10), (10, 10)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let sub = folder.appendingPathComponent("more")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try Self.pattern(width: 12, height: 12, seed: 7).writePNG(to: sub.appendingPathComponent("deep.png"))
        try Data("a red square\r\n\r\na square that is red\n".utf8).write(to: folder.appendingPathComponent("img0.txt"))
        try Data("a wide picture".utf8).write(to: folder.appendingPathComponent("img1.caption"))
        try Data("deep inside".utf8).write(to: sub.appendingPathComponent("deep.txt"))
        try Data("nobody's caption".utf8).write(to: folder.appendingPathComponent("lost.txt"))
        let error = #expect(throws: DatasetError.self) { try CaptionedDataset.load(from: folder, size: 8) }
        #expect(error?.description == "dataset \(folder.path): 2 of 5 entries are bad (40.0 %, more than 1 %): "
                + "1 image without a caption, 1 caption file without its image; first: "
                + "img2.png: image without a caption (no img2.txt or .caption beside it); "
                + "lost.txt: caption file without its image (no lost.png, .jpg or .jpeg beside it) (--allow-bad skips them)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".t2i-cache").path), "a refused dataset gets no prepared file")
        let dataset = try CaptionedDataset.load(from: folder, size: 8, allowBadEntries: true)
        #expect(dataset.convention == .sidecar)
        #expect(dataset.entries.map(\.file) == ["img0.png", "img1.png", "more/deep.png"])
        #expect(dataset.entries.map(\.texts) == [["a red square", "a square that is red"], ["a wide picture"], ["deep inside"]])
        #expect(dataset.entries.map(\.line) == [0, 0, 0])
    }

    @Test("random crops and caption choices are keyed by (seed, epoch, index): same seed, same batches; resume gives the rest")
    func keyedChoices() throws {
        let folder = try Self.folder(sizes: (0..<12).map { (12 + $0 % 5, 9 + $0 % 3) })
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestFolders.writeCaptions((0..<12).map { #"{"file": "img\#($0).png", "text": ["first \#($0)", "second \#($0)", "third \#($0)"]}"# }, in: folder)
        let dataset = try CaptionedDataset.load(from: folder, size: 8)
        func batches(_ loader: inout DatasetLoader, _ n: Int) -> [([Float], [String])] {
            (0..<n).map { _ in let b = loader.nextBatch(); return (b.images.scalars, b.captions) }
        }
        var a = try DatasetLoader(dataset: dataset, batchSize: 4, seed: 5, horizontalFlip: true, crop: .random)
        var b = try DatasetLoader(dataset: dataset, batchSize: 4, seed: 5, horizontalFlip: true, crop: .random)
        let first = batches(&a, 9), second = batches(&b, 9)
        #expect(first.map(\.0) == second.map(\.0) && first.map(\.1) == second.map(\.1))
        // Resuming at epoch 1, batch 2 gives the same images and captions as running through.
        var resumed = try DatasetLoader(dataset: dataset, batchSize: 4, seed: 5, horizontalFlip: true, crop: .random,
                                        position: DatasetPosition(epoch: 1, index: 8))
        let tail = batches(&resumed, 4)
        #expect(tail.map(\.0) == Array(first[5...8]).map(\.0) && tail.map(\.1) == Array(first[5...8]).map(\.1))
        // Every caption of the lists is drawn at some point; the validation order uses the first.
        let drawn = Set(first.flatMap(\.1).map { $0.split(separator: " ")[0] })
        #expect(drawn == ["first", "second", "third"])
        var fixed = try DatasetLoader(dataset: dataset, batchSize: 4, shuffle: false, dropLast: false)
        #expect(batches(&fixed, 3).flatMap(\.1).allSatisfy { $0.hasPrefix("first") })
        // Crops differ across epochs (not every image has room, but some do), and are inside the image.
        var c = try DatasetLoader(dataset: dataset, batchSize: 12, seed: 5, shuffle: false, crop: .random)
        let epoch0 = c.nextBatch().images.scalars, epoch1 = c.nextBatch().images.scalars
        #expect(epoch0 != epoch1)
        var centre = try DatasetLoader(dataset: dataset, batchSize: 12, shuffle: false)
        let centred = centre.nextBatch()
        #expect(centred.images.shape == [12, 3, 8, 8])
    }

    @Test("a random crop is a square of the resized image: some crop of it equals the batch image")
    func randomCropIsASquareOfTheImage() throws {
        let folder = try Self.folder(sizes: [(30, 10)])
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestFolders.writeCaptions([TestFolders.line("img0.png", "x")], in: folder)
        let dataset = try CaptionedDataset.load(from: folder, size: 10)  // no resampling: stored 30×10
        let source = try Image.read(at: folder.appendingPathComponent("img0.png"))
        var loader = try DatasetLoader(dataset: dataset, batchSize: 1, seed: 3, crop: .random)
        var offsets: Set<Int> = []
        for _ in 0..<20 {
            let values = loader.nextBatch().images.scalars
            // Find the x offset whose square matches channel 0 of the batch image.
            func matches(_ x0: Int) -> Bool {
                for y in 0..<10 {
                    for x in 0..<10 where values[y * 10 + x] != Float(source[x0 + x, y, 0]) / 127.5 - 1 { return false }
                }
                return true
            }
            let match = (0...20).first(where: matches)
            let x0 = try #require(match, "the batch image is no square of the source")
            offsets.insert(x0)
        }
        #expect(offsets.count >= 5, "20 epochs drew only offsets \(offsets.sorted())")
    }

    @Test("the prepared file is reused while nothing changed, rebuilt when an image, caption or setting changes or it is damaged")
    func preparedFile() throws {
        let folder = try Self.folder(sizes: [(20, 14), (14, 14)])
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestFolders.writeCaptions([TestFolders.line("img0.png", "zero"), TestFolders.line("img1.png", "one")], in: folder)
        let first = try CaptionedDataset.load(from: folder, size: 10)
        let url = try #require(first.prepared?.url)
        #expect(first.prepared?.reused == false && url.path.hasSuffix(".t2i-cache/prepared-10-bicubic.bin"))
        let again = try CaptionedDataset.load(from: folder, size: 10)
        #expect(again.prepared?.reused == true)
        #expect(again.image(at: 0) == first.image(at: 0) && again.image(at: 1) == first.image(at: 1))
        #expect(again.entries == first.entries)
        // Another size or filter: another file.
        #expect(try CaptionedDataset.load(from: folder, size: 10, filter: .lanczos).prepared?.reused == false)
        // A changed image (new contents, new time) is decoded again.
        try Self.pattern(width: 20, height: 14, seed: 99).writePNG(to: folder.appendingPathComponent("img0.png"))
        let changed = try CaptionedDataset.load(from: folder, size: 10)
        #expect(changed.prepared?.reused == false && changed.image(at: 0) != first.image(at: 0))
        // A changed caption too.
        try TestFolders.writeCaptions([TestFolders.line("img0.png", "zero!"), TestFolders.line("img1.png", "one")], in: folder)
        let recaptioned = try CaptionedDataset.load(from: folder, size: 10)
        #expect(recaptioned.prepared?.reused == false && recaptioned.captions == ["zero!", "one"])
        // A damaged file (cut short, or bytes flipped in its header) is ignored and rebuilt.
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 5).write(to: url)
        #expect(try CaptionedDataset.load(from: folder, size: 10).prepared?.reused == false)
        var flipped = try [UInt8](Data(contentsOf: url))
        flipped[20] ^= 0xFF
        try Data(flipped).write(to: url)
        let rebuilt = try CaptionedDataset.load(from: folder, size: 10)
        #expect(rebuilt.prepared?.reused == false && rebuilt.image(at: 1) == first.image(at: 1))
    }

    @Test("where the prepared file cannot be written the dataset loads without one, saying so")
    func unwritableCache() throws {
        let folder = try Self.folder(sizes: [(12, 12)])
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestFolders.writeCaptions([TestFolders.line("img0.png", "x")], in: folder)
        // A file where the cache folder goes: no folder can be made there, even by root.
        try Data("mine".utf8).write(to: folder.appendingPathComponent(".t2i-cache"))
        var notes: [String] = []
        let dataset = try CaptionedDataset.load(from: folder, size: 8, note: { notes.append($0) })
        #expect(dataset.prepared == nil && dataset.count == 1)
        #expect(notes.last?.hasPrefix("could not keep the prepared images (\(folder.path)/.t2i-cache/prepared-8-bicubic.bin: ") == true, "\(notes)")
        #expect(try String(contentsOf: folder.appendingPathComponent(".t2i-cache"), encoding: .utf8) == "mine")
    }
}
