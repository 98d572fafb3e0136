import Datasets
import Foundation
import Imaging
import Testing

@Suite("dataset loader: batches, shuffling, resume, flips, split")
struct DatasetLoaderTests {
    /// A loaded shapes dataset of `count` 16×16 images in a scratch folder (removed after loading).
    static func shapes(count: Int, seed: UInt64 = 9, twoObjectFraction: Double = 0.2) throws -> CaptionedDataset {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ShapesGenerator(size: 16, seed: seed, twoObjectFraction: twoObjectFraction).write(count: count, to: folder)
        return try CaptionedDataset.load(from: folder)
    }

    @Test("a batch is (B, 3, H, W) in [-1, 1], channel-planar, with byte v as v / 127.5 - 1")
    func tensorLayout() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        var pixels = [UInt8](repeating: 0, count: 3 * 2 * 3)  // 3 wide, 2 high
        for i in pixels.indices { pixels[i] = UInt8(i * 15) }
        pixels[0] = 255
        try Image(width: 3, height: 2, format: .rgb, pixels: pixels).writePNG(to: folder.appendingPathComponent("p.png"))
        try TestFolders.writeCaptions([TestFolders.line("p.png", "pattern")], in: folder)
        // Its shorter side, 2, is the dataset's size: no resampling, and the centre crop of a row
        // of 3 starts at column (3 − 2) / 2 = 0.
        let dataset = try CaptionedDataset.load(from: folder)
        #expect(dataset.size == 2 && dataset.storedSize(of: 0) == (3, 2) && dataset.centreCrop(of: 0) == (0, 0))
        var loader = try DatasetLoader(dataset: dataset, batchSize: 1, shuffle: false)
        let batch = loader.nextBatch()
        #expect(batch.images.shape == [1, 3, 2, 2])
        #expect(batch.captions == ["pattern"] && batch.indices == [0] && batch.flipped == [false])
        let values = batch.images.scalars
        var crop: [UInt8] = []
        for y in 0..<2 {
            for x in 0..<2 {
                for c in 0..<3 {
                    let byte = pixels[(y * 3 + x) * 3 + c]
                    crop.append(byte)
                    #expect(values[(c * 2 + y) * 2 + x] == Float(byte) / 127.5 - 1)
                }
            }
        }
        #expect(values[0] == 1)  // 255
        #expect(values[1] == Float(3 * 15) / 127.5 - 1)
        #expect(dataset.image(at: 0).pixels == crop)
    }

    @Test("each epoch is a permutation; orders depend on seed and epoch only")
    func shuffling() throws {
        let dataset = try Self.shapes(count: 50)
        var loader = try DatasetLoader(dataset: dataset, batchSize: 10, seed: 1)
        #expect(loader.batchesPerEpoch == 5)
        var epochs: [[Int]] = []
        for _ in 0..<3 {
            var seen: [Int] = []
            for _ in 0..<5 { seen += loader.nextBatch().indices }
            #expect(seen.sorted() == Array(0..<50))
            epochs.append(seen)
        }
        #expect(loader.position == DatasetPosition(epoch: 3, index: 0))
        #expect(epochs[0] != epochs[1] && epochs[1] != epochs[2])
        #expect(epochs[1] == loader.order(forEpoch: 1))
        let other = try DatasetLoader(dataset: dataset, batchSize: 10, seed: 2)
        #expect(other.order(forEpoch: 0) != epochs[0])
        let plain = try DatasetLoader(dataset: dataset, batchSize: 10, shuffle: false)
        #expect(plain.order(forEpoch: 4) == Array(0..<50))
    }

    @Test("dropLast skips the short batch; without it the last batch is smaller")
    func lastBatch() throws {
        let dataset = try Self.shapes(count: 23)
        var dropping = try DatasetLoader(dataset: dataset, batchSize: 10)
        #expect(dropping.batchesPerEpoch == 2)
        #expect(dropping.nextBatch().count == 10 && dropping.nextBatch().count == 10)
        #expect(dropping.position == DatasetPosition(epoch: 1, index: 0))
        var keeping = try DatasetLoader(dataset: dataset, batchSize: 10, dropLast: false)
        #expect(keeping.batchesPerEpoch == 3)
        let counts: [Int] = (0..<3).map { _ in keeping.nextBatch().count }
        #expect(counts == [10, 10, 3])
        #expect(keeping.nextBatch().images.shape == [10, 3, 16, 16])
    }

    @Test("a saved position resumes the exact same batches, flips included")
    func resume() throws {
        let dataset = try Self.shapes(count: 40)
        var first = try DatasetLoader(dataset: dataset, batchSize: 6, seed: 5, horizontalFlip: true)
        for _ in 0..<8 { _ = first.nextBatch() }  // crosses into epoch 1 (6 batches per epoch)
        let saved = first.position
        #expect(saved == DatasetPosition(epoch: 1, index: 12))
        let expected = (0..<7).map { _ in first.nextBatch() }
        var resumed = try DatasetLoader(dataset: dataset, batchSize: 6, seed: 5, horizontalFlip: true, position: saved)
        for batch in expected {
            let again = resumed.nextBatch()
            #expect(again.indices == batch.indices && again.flipped == batch.flipped)
            #expect(again.images.scalars == batch.images.scalars)
        }
        var seeking = try DatasetLoader(dataset: dataset, batchSize: 6, seed: 5, horizontalFlip: true)
        try seeking.seek(to: saved)
        #expect(seeking.nextBatch().indices == expected[0].indices)
    }

    @Test("bad loader settings are refused with their values")
    func badSettings() throws {
        let dataset = try Self.shapes(count: 8)
        #expect(throws: DatasetError.invalidArgument("batch size must be at least 1, got 0")) {
            try DatasetLoader(dataset: dataset, batchSize: 0)
        }
        #expect(throws: DatasetError.invalidArgument(
            "batch size 9 is larger than the 8 images, so every batch would be dropped")) {
            try DatasetLoader(dataset: dataset, batchSize: 9)
        }
        #expect(throws: DatasetError.invalidArgument("index 8 is outside the dataset's 0..<8")) {
            try DatasetLoader(dataset: dataset, indices: [0, 8], batchSize: 1)
        }
        #expect(throws: DatasetError.invalidArgument(
            "loader position epoch 0, index 5 is outside an epoch of 8 images (index 0...4)")) {
            try DatasetLoader(dataset: dataset, batchSize: 4, position: DatasetPosition(epoch: 0, index: 5))
        }
    }

    @Test("captions saying left or right are never flipped; others are, as exact mirror images")
    func flips() throws {
        let dataset = try Self.shapes(count: 60, twoObjectFraction: 0.3)
        var flipping = try DatasetLoader(dataset: dataset, batchSize: 12, seed: 3, horizontalFlip: true)
        var plain = try DatasetLoader(dataset: dataset, batchSize: 12, seed: 3, horizontalFlip: false)
        var flippedCount = 0, flippableSeen = 0
        for _ in 0..<20 {
            let a = flipping.nextBatch(), b = plain.nextBatch()
            #expect(a.indices == b.indices)  // flips do not change the order
            let (fa, fb) = (a.images.scalars, b.images.scalars)
            for k in 0..<a.count {
                let mentionsSide = DatasetLoader.captionMentionsSide(a.captions[k])
                if mentionsSide { #expect(!a.flipped[k], "\(a.captions[k])") } else { flippableSeen += 1 }
                let image = k * 3 * 16 * 16
                for row in 0..<(3 * 16) {
                    for x in 0..<16 {
                        let mirrored = a.flipped[k] ? 15 - x : x
                        if fa[image + row * 16 + x] != fb[image + row * 16 + mirrored] {
                            Issue.record("image \(k) row \(row) x \(x) is not the \(a.flipped[k] ? "mirror" : "copy")")
                            return
                        }
                    }
                }
                if a.flipped[k] { flippedCount += 1 }
            }
        }
        // About half of the flippable images are flipped.
        #expect(flippedCount > flippableSeen / 4 && flippedCount < flippableSeen * 3 / 4)
    }

    @Test("left and right are matched as words, in any case")
    func sideWords() {
        #expect(DatasetLoader.captionMentionsSide("a red circle on the left on a white background"))
        #expect(DatasetLoader.captionMentionsSide("a red circle to the left of a blue square"))
        #expect(DatasetLoader.captionMentionsSide("Arrow pointing RIGHT"))
        #expect(DatasetLoader.captionMentionsSide("an emoji of left-right arrow, twemoji style"))
        #expect(!DatasetLoader.captionMentionsSide("a bright leftover circle in the center"))
        #expect(!DatasetLoader.captionMentionsSide("a small blue square at the top on a gray background"))
    }

    @Test("the split is by FNV-1a of the file name: stable, disjoint, complete")
    func split() throws {
        // FNV-1a 64 values computed independently (Python).
        #expect(CaptionedDataset.splitBucket(forFile: "000000.png") == 760)  // 3562423406619080760
        #expect(CaptionedDataset.splitBucket(forFile: "000001.png") == 507)  // 14834468239079782507
        #expect(CaptionedDataset.splitBucket(forFile: "a.png") == 417)
        #expect(CaptionedDataset.split(ofFile: "a.png", validationPerMille: 418) == .validation)
        #expect(CaptionedDataset.split(ofFile: "a.png", validationPerMille: 417) == .train)
        let dataset = try Self.shapes(count: 400)
        let train = dataset.indices(in: .train), validation = dataset.indices(in: .validation)
        #expect(Set(train).isDisjoint(with: validation))
        #expect((train + validation).sorted() == Array(0..<400))
        #expect((5...40).contains(validation.count))  // 5 % of 400 is 20
        for i in validation { #expect(CaptionedDataset.splitBucket(forFile: dataset.entries[i].file) < 50) }
        #expect(dataset.indices(in: .validation, validationPerMille: 0).isEmpty)
        #expect(dataset.indices(in: .validation, validationPerMille: 1000).count == 400)
        var loader = try DatasetLoader(dataset: dataset, indices: validation, batchSize: 4, seed: 1)
        #expect(Set(loader.nextBatch().indices).isSubset(of: validation))
    }
}
