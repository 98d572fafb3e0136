import Foundation
import Imaging
import Datasets

/// The outcome of `ShapesProbe.evaluate`: one item per generated image, per-attribute accuracy,
/// and a grid of the images.
public struct ShapesProbeReport: Sendable {
    /// One generated image and how it scored.
    public struct Item: Sendable {
        public let scene: ShapesScene
        public let seed: UInt64
        public let image: Image
        public let reading: ShapesProbeReading
        public let verdict: ShapesProbeVerdict
    }

    public let items: [Item]
    public let settings: ShapesProbe.Settings

    /// Share of images whose `attribute` is right.
    public func accuracy(_ attribute: ShapesProbeVerdict.Attribute) -> Double {
        share { $0.verdict[attribute] }
    }

    /// Share of images with all five attributes right.
    public var fullyRight: Double { share { $0.verdict.fullyRight } }

    private func share(_ predicate: (Item) -> Bool) -> Double {
        items.isEmpty ? 0 : Double(items.filter(predicate).count) / Double(items.count)
    }

    /// The summary: per-attribute accuracy and the fully-right share.
    public var lines: [String] {
        let prompts = Set(items.map(\.scene.caption)).count
        var out = ["shapes probe: \(items.count) images (\(prompts) prompts × \(settings.seeds) seed\(settings.seeds == 1 ? "" : "s") from \(settings.seed)), "
                   + "\(settings.sampler) \(settings.steps) steps, guidance \(settings.guidance)"]
        for attribute in ShapesProbeVerdict.Attribute.allCases {
            out.append("  " + attribute.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                       + String(format: "%5.1f %%", 100 * accuracy(attribute)))
        }
        out.append("  " + "fully right".padding(toLength: 12, withPad: " ", startingAt: 0)
                   + String(format: "%5.1f %% (all five attributes)", 100 * fullyRight))
        return out
    }

    /// One line per image: "✓"/"✗ wrong attributes", prompt, seed and what the scorer read.
    public var itemLines: [String] {
        items.map { "\($0.verdict.summary)\t\($0.scene.caption)\tseed \($0.seed)\tread: \($0.reading.summary)" }
    }

    /// The images in prompt order, `columns` per row, each above a 3-pixel band: green when all five
    /// attributes are right, red otherwise.
    public func grid(columns: Int = 12) throws -> Image {
        try Image.grid(cells(), columns: columns, padding: 2)
    }

    /// Each image above its 3-pixel verdict band (see ``grid(columns:)``).
    public func cells() throws -> [Image] {
        try items.map { try Self.banded($0.image, right: $0.verdict.fullyRight) }
    }

    /// `image` (as RGB) above a 3-pixel band: green when `right`, red otherwise.
    static func banded(_ image: Image, right: Bool) throws -> Image {
        let band = 3
        let (w, h) = (image.width, image.height)
        let rgb = image.format == .rgb ? image : image.converted(to: .rgb)
        var pixels = rgb.pixels
        let colour: [UInt8] = right ? [30, 160, 50] : [220, 30, 30]
        for _ in 0..<(band * w) { pixels += colour }
        return try Image(width: w, height: h + band, format: .rgb, pixels: pixels)
    }
}
