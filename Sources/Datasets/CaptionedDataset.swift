import Foundation
import Imaging

/// A loaded dataset (DESIGN §5): its usable entries and every image decoded once into one compact
/// 8-bit cache.
///
/// The cache holds `count` images of `height × width` RGB pixels, each stored channel-planar
/// (C, H, W) — the order of one NCHW tensor row — so that a batch is a straight byte-to-float
/// conversion. 20 000 images of 32×32 take 61 MB. Load one with ``load(from:allowBadEntries:)``.
public struct CaptionedDataset: Sendable {
    /// The name of the caption file inside a dataset folder.
    public static let captionsFileName = "captions.jsonl"
    /// The largest share of bad entries, in percent, that loading tolerates without `allowBadEntries`.
    public static let tolerableBadPercent = 1.0

    /// The dataset folder.
    public let folder: URL
    /// The usable entries, in file order; entry `i` owns image `i` of the cache.
    public let entries: [DatasetEntry]
    /// The width of every image.
    public let width: Int
    /// The height of every image.
    public let height: Int
    /// What validation found, bad entries included.
    public let report: DatasetReport
    /// The cache: `(count, 3, height, width)` bytes.
    let pixels: [UInt8]

    init(folder: URL, entries: [DatasetEntry], width: Int, height: Int, report: DatasetReport, pixels: [UInt8]) {
        precondition(pixels.count == entries.count * 3 * width * height, "cache size does not match the entries")
        self.folder = folder
        self.entries = entries
        self.width = width
        self.height = height
        self.report = report
        self.pixels = pixels
    }

    /// The number of usable images.
    public var count: Int { entries.count }

    /// Bytes per cached image: `3 * height * width`.
    public var imageByteCount: Int { 3 * height * width }

    /// The captions, in entry order.
    public var captions: [String] { entries.map(\.text) }

    /// Image `index` of the cache as an RGB ``Image`` (`index` must be in `0..<count`).
    public func image(at index: Int) -> Image {
        precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
        let plane = width * height
        let start = index * 3 * plane
        var interleaved = [UInt8](repeating: 0, count: 3 * plane)
        // cache: (3, H*W)  interleaved: (H*W, 3)
        for p in 0..<plane {
            interleaved[p * 3] = pixels[start + p]
            interleaved[p * 3 + 1] = pixels[start + plane + p]
            interleaved[p * 3 + 2] = pixels[start + 2 * plane + p]
        }
        // The sizes come from decoded images, so this cannot fail; a failure would be a bug here.
        guard let image = try? Image(width: width, height: height, format: .rgb, pixels: interleaved) else {
            preconditionFailure("cached image \(index) has an impossible size \(width)x\(height)")
        }
        return image
    }
}
