import Foundation
import Imaging

/// A loaded dataset (DESIGN §5): its usable entries and every image decoded, composited over
/// white and resized once so that its shorter side is ``size`` (``PreparedImages``).
///
/// Crops of `size × size` — the centre, or a random one per epoch — are taken when a
/// ``DatasetLoader`` makes a batch. Load one with ``load(from:size:filter:captionColumn:allowBadEntries:prepare:shouldStop:)``.
public struct CaptionedDataset: Sendable {
    /// The name of t2i's own caption file inside a dataset folder.
    public static let captionsFileName = "captions.jsonl"
    /// The caption file of Hugging Face's `imagefolder` convention.
    public static let metadataFileName = "metadata.jsonl"
    /// The largest share of bad entries, in percent, that loading tolerates without `allowBadEntries`.
    public static let tolerableBadPercent = 1.0

    /// The dataset folder.
    public let folder: URL
    /// The usable entries, in caption-file order (or file-name order for sidecar captions); entry
    /// `i` owns image `i`.
    public let entries: [DatasetEntry]
    /// The side of the square images batches hold: every image's shorter side.
    public let size: Int
    /// The resampling filter images were resized with.
    public let filter: ResampleFilter
    /// How the folder pairs images with captions.
    public let convention: CaptionConvention
    /// What validation found, bad entries included.
    public let report: DatasetReport
    /// Images a JSON caption file does not name (left out; not counted as bad).
    public let unlisted: Int
    /// The prepared file the images were read from or written to, and whether it was reused; nil
    /// when none could be written (a read-only folder) or none was asked for.
    public let prepared: (url: URL, reused: Bool)?
    /// The images, `(3, h, w)` bytes each.
    let images: PreparedImages
    /// Every caption of every entry, entry by entry; entry `i`'s are `captionRows(of: i)`.
    public let captionTexts: [String]
    /// Entry `i`'s first row in ``captionTexts``.
    private let captionStarts: [Int]

    init(folder: URL, entries: [DatasetEntry], size: Int, filter: ResampleFilter, convention: CaptionConvention,
         report: DatasetReport, unlisted: Int, prepared: (url: URL, reused: Bool)?, images: PreparedImages) {
        precondition(images.count == entries.count, "one image per entry")
        self.folder = folder
        self.entries = entries
        self.size = size
        self.filter = filter
        self.convention = convention
        self.report = report
        self.unlisted = unlisted
        self.prepared = prepared
        self.images = images
        var starts: [Int] = [], texts: [String] = []
        for entry in entries {
            starts.append(texts.count)
            texts += entry.texts
        }
        captionTexts = texts
        captionStarts = starts
    }

    /// The number of usable images.
    public var count: Int { entries.count }

    /// The width of every batch image: ``size``.
    public var width: Int { size }
    /// The height of every batch image: ``size``.
    public var height: Int { size }

    /// Bytes per batch image: `3 * size * size`.
    public var imageByteCount: Int { 3 * size * size }

    /// The first caption of each entry, in entry order.
    public var captions: [String] { entries.map(\.text) }

    /// The rows of ``captionTexts`` that hold entry `index`'s captions.
    public func captionRows(of index: Int) -> Range<Int> {
        captionStarts[index]..<(captionStarts[index] + entries[index].texts.count)
    }

    /// The stored (resized, uncropped) size of image `index`.
    public func storedSize(of index: Int) -> (width: Int, height: Int) {
        (images.widths[index], images.heights[index])
    }

    /// The centre crop's top-left corner in image `index`: the surplus halved, rounded down.
    public func centreCrop(of index: Int) -> (x: Int, y: Int) {
        ((images.widths[index] - size) / 2, (images.heights[index] - size) / 2)
    }

    /// Image `index`'s centre crop as an RGB ``Image`` (`index` must be in `0..<count`).
    public func image(at index: Int) -> Image {
        precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
        let (x0, y0) = centreCrop(of: index)
        let w = images.widths[index], plane = w * images.heights[index]
        let start = images.offsets[index]
        var interleaved = [UInt8](repeating: 0, count: 3 * size * size)
        // stored: (3, h, w)  interleaved: (size, size, 3)
        for y in 0..<size {
            for x in 0..<size {
                let s = start + (y0 + y) * w + x0 + x
                for c in 0..<3 { interleaved[(y * size + x) * 3 + c] = images.bytes[s + c * plane] }
            }
        }
        // The sizes come from decoded images, so this cannot fail; a failure would be a bug here.
        guard let image = try? Image(width: size, height: size, format: .rgb, pixels: interleaved) else {
            preconditionFailure("cached image \(index) has an impossible size \(size)x\(size)")
        }
        return image
    }
}

extension CaptionedDataset {
    /// The stored sizes in a few words: `"all 64x64"`, or `"3 sizes, 64x64 to 171x64; most often 64x64 (40)"`.
    public var sizeSummary: String {
        var counts: [String: Int] = [:]
        for i in 0..<count { counts["\(images.widths[i])x\(images.heights[i])", default: 0] += 1 }
        guard counts.count > 1, let most = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else {
            return "all \(counts.keys.first ?? "0x0")"
        }
        let areas = (0..<count).map { images.widths[$0] * images.heights[$0] }
        let smallest = areas.indices.min { areas[$0] < areas[$1] }!, largest = areas.indices.max { areas[$0] < areas[$1] }!
        return "\(counts.count) sizes, \(images.widths[smallest])x\(images.heights[smallest]) to "
            + "\(images.widths[largest])x\(images.heights[largest]); most often \(most.key) (\(most.value))"
    }
}

extension CaptionedDataset {
    /// Removes the prepared file this load wrote (not one it reused), and the cache folder when that
    /// leaves it empty: for a caller that refuses the dataset after loading it, so a refusal leaves
    /// the folder as it was (DESIGN §7).
    public func discardNewPreparedFile() {
        guard let prepared, !prepared.reused else { return }
        try? FileManager.default.removeItem(at: prepared.url)
        let cache = prepared.url.deletingLastPathComponent()
        if (try? FileManager.default.contentsOfDirectory(atPath: cache.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: cache)
        }
    }
}
