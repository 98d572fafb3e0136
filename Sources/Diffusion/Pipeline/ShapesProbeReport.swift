import Foundation
import Imaging
import Datasets

/// A probe's verdict on one image: which parts of its prompt the image gets right.
public protocol ShapesVerdict: Sendable, Equatable {
    /// The parts scored, in the order they print.
    associatedtype Attribute: CaseIterable, RawRepresentable, Hashable, Sendable where Attribute.RawValue == String
    /// The probe's name in the summary's first line ("shapes probe", "two-object probe").
    static var probeName: String { get }
    /// What an attribute means, printed beside its share (nil: its name says it).
    static func meaning(_ attribute: Attribute) -> String?
    /// Whether `attribute` is right.
    subscript(_ attribute: Attribute) -> Bool { get }
}

extension ShapesVerdict {
    /// Every attribute right.
    public var fullyRight: Bool { Attribute.allCases.allSatisfy { self[$0] } }

    /// "✓" or the wrong attributes, e.g. "✗ shape, size".
    public var summary: String {
        let wrong = Attribute.allCases.filter { !self[$0] }.map(\.rawValue)
        return wrong.isEmpty ? "✓" : "✗ " + wrong.joined(separator: ", ")
    }
}

/// What a scorer read off one image, said in a few words for the per-image lines.
public protocol ShapesReadingSummary: Sendable {
    var summary: String { get }
}

extension ShapesProbeReading: ShapesReadingSummary {}
extension ShapesObjectsReading: ShapesReadingSummary {}

/// The outcome of a shapes probe: one item per generated image, the share right of each attribute,
/// and a grid of the images.
public struct ShapesReport<Reading: ShapesReadingSummary, Verdict: ShapesVerdict>: Sendable {
    /// One generated image and how it scored.
    public struct Item: Sendable {
        public let scene: ShapesScene
        public let seed: UInt64
        public let image: Image
        public let reading: Reading
        public let verdict: Verdict

        public init(scene: ShapesScene, seed: UInt64, image: Image, reading: Reading, verdict: Verdict) {
            self.scene = scene
            self.seed = seed
            self.image = image
            self.reading = reading
            self.verdict = verdict
        }
    }

    public let items: [Item]
    public let settings: ShapesProbe.Settings

    public init(items: [Item], settings: ShapesProbe.Settings) {
        self.items = items
        self.settings = settings
    }

    /// Share of images whose `attribute` is right.
    public func accuracy(_ attribute: Verdict.Attribute) -> Double {
        share { $0.verdict[attribute] }
    }

    /// Share of images with every attribute right.
    public var fullyRight: Double { share { $0.verdict.fullyRight } }

    private func share(_ predicate: (Item) -> Bool) -> Double {
        items.isEmpty ? 0 : Double(items.filter(predicate).count) / Double(items.count)
    }

    /// The summary: per-attribute accuracy and the fully-right share.
    public var lines: [String] {
        let prompts = Set(items.map(\.scene.caption)).count
        var out = ["\(Verdict.probeName): \(items.count) images (\(prompts) prompts × \(settings.seeds) seed\(settings.seeds == 1 ? "" : "s") from \(settings.seed)), "
                   + "\(settings.sampler) \(settings.steps) steps, guidance \(settings.guidance)"]
        for attribute in Verdict.Attribute.allCases {
            out.append("  " + attribute.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                       + String(format: "%5.1f %%", 100 * accuracy(attribute)) + (Verdict.meaning(attribute).map { " (\($0))" } ?? ""))
        }
        out.append("  " + "fully right".padding(toLength: 12, withPad: " ", startingAt: 0)
                   + String(format: "%5.1f %% (all %d attributes)", 100 * fullyRight, Verdict.Attribute.allCases.count))
        return out
    }

    /// One line per image: "✓"/"✗ wrong attributes", prompt, seed and what the scorer read.
    public var itemLines: [String] {
        items.map { "\($0.verdict.summary)\t\($0.scene.caption)\tseed \($0.seed)\tread: \($0.reading.summary)" }
    }

    /// The images in prompt order, `columns` per row, each above a 3-pixel band: green when every
    /// attribute is right, red otherwise.
    public func grid(columns: Int = 12) throws -> Image {
        try Image.grid(cells(), columns: columns, padding: 2)
    }

    /// Each image above its 3-pixel verdict band (see ``grid(columns:)``).
    public func cells() throws -> [Image] {
        try items.map { item -> Image in
            let band = 3
            let (w, h) = (item.image.width, item.image.height)
            let rgb = item.image.format == .rgb ? item.image : item.image.converted(to: .rgb)
            var pixels = rgb.pixels
            let colour: [UInt8] = item.verdict.fullyRight ? [30, 160, 50] : [220, 30, 30]
            for _ in 0..<(band * w) { pixels += colour }
            return try Image(width: w, height: h + band, format: .rgb, pixels: pixels)
        }
    }
}

/// The single-object probe's report (`ShapesProbe.evaluate`).
public typealias ShapesProbeReport = ShapesReport<ShapesProbeReading, ShapesProbeVerdict>
/// The two-object probe's report (`ShapesProbe.evaluatePairs`).
public typealias ShapesPairReport = ShapesReport<ShapesObjectsReading, ShapesPairVerdict>
