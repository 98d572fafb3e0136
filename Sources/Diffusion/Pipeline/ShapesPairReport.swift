import Foundation
import Imaging
import Datasets

/// The outcome of `ShapesProbe.evaluatePairs`: one item per generated two-object image, the share
/// right of each part of the prompt, and a grid.
public struct ShapesPairReport: Sendable {
    /// One generated image and how it scored.
    public struct Item: Sendable {
        public let scene: ShapesScene
        public let seed: UInt64
        public let image: Image
        public let reading: ShapesObjectsReading
        public let verdict: ShapesPairVerdict
    }

    public let items: [Item]
    public let settings: ShapesProbe.Settings

    /// Share of images whose `attribute` is right.
    public func accuracy(_ attribute: ShapesPairVerdict.Attribute) -> Double {
        share { $0.verdict[attribute] }
    }

    /// Share of images with everything right.
    public var fullyRight: Double { share { $0.verdict.fullyRight } }

    private func share(_ predicate: (Item) -> Bool) -> Double {
        items.isEmpty ? 0 : Double(items.filter(predicate).count) / Double(items.count)
    }

    /// The summary: the share right of each part and the fully-right share.
    public var lines: [String] {
        let prompts = Set(items.map(\.scene.caption)).count
        var out = ["two-object probe: \(items.count) images (\(prompts) prompts × \(settings.seeds) seed\(settings.seeds == 1 ? "" : "s") from \(settings.seed)), "
                   + "\(settings.sampler) \(settings.steps) steps, guidance \(settings.guidance)"]
        let meaning: [ShapesPairVerdict.Attribute: String] = [
            .colours: "both objects' colours", .shapes: "both objects' shapes", .relation: "first object left of / above the second",
            .count: "exactly two objects", .background: "the background",
        ]
        for attribute in ShapesPairVerdict.Attribute.allCases {
            out.append("  " + attribute.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                       + String(format: "%5.1f %% ", 100 * accuracy(attribute)) + "(\(meaning[attribute] ?? ""))")
        }
        out.append("  " + "fully right".padding(toLength: 12, withPad: " ", startingAt: 0)
                   + String(format: "%5.1f %% (all five)", 100 * fullyRight))
        return out
    }

    /// One line per image: "✓"/"✗ wrong parts", prompt, seed and the objects read.
    public var itemLines: [String] {
        items.map { "\($0.verdict.summary)\t\($0.scene.caption)\tseed \($0.seed)\tread: \($0.reading.summary)" }
    }

    /// The images in prompt order, `columns` per row, each above a green (fully right) or red band.
    public func grid(columns: Int = 12) throws -> Image {
        try Image.grid(items.map { try ShapesProbeReport.banded($0.image, right: $0.verdict.fullyRight) }, columns: columns, padding: 2)
    }
}
