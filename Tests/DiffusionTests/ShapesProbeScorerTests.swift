import Foundation
import Testing
import Datasets
import Imaging
import Diffusion

/// The shapes probe's scorer on ground truth: freshly generated dataset images, scored against the
/// attributes `captions.jsonl` records for them.
@Suite("shapes probe scorer")
struct ShapesProbeScorerTests {
    /// Per attribute, the share of `count` single-object images of side `size` read right.
    static func groundTruthAccuracy(count: Int, size: Int, seed: UInt64) throws -> (accuracy: [ShapesProbeVerdict.Attribute: Double], wrong: [String]) {
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let generator = try ShapesGenerator(size: size, seed: seed, twoObjectFraction: 0)
        try generator.write(count: count, to: folder)
        let lines = try String(contentsOf: folder.appendingPathComponent("captions.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == count)
        var right: [ShapesProbeVerdict.Attribute: Int] = [:]
        var wrong: [String] = []
        for line in lines {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let file = try #require(json["file"] as? String)
            let attributes = try #require(json["attributes"] as? [String: Any])
            let object = try #require((attributes["objects"] as? [[String: Any]])?.first)
            let truth = ShapesScene(
                background: try #require(ShapeBackground(rawValue: attributes["background"] as? String ?? "")),
                object: ShapeObject(shape: try #require(ShapeKind(rawValue: object["shape"] as? String ?? "")),
                                    colour: try #require(ShapeColour(rawValue: object["colour"] as? String ?? "")),
                                    size: try #require(ShapeSize(rawValue: object["size"] as? String ?? "")),
                                    position: try #require(GridPosition(rawValue: object["position"] as? String ?? ""))))
            let image = try Image.readPNG(at: folder.appendingPathComponent(file))
            let reading = ShapesProbeScorer.read(image)
            let verdict = reading.verdict(for: truth)
            for attribute in ShapesProbeVerdict.Attribute.allCases where verdict[attribute] { right[attribute, default: 0] += 1 }
            if !verdict.fullyRight {
                wrong.append("\(file) \(truth.caption): read \(reading.summary) "
                             + String(format: "(area %.1f fill %.3f skew %.3f centre %.3f,%.3f)", reading.area, reading.fill,
                                      reading.skewness, reading.centreX, reading.centreY))
            }
        }
        var accuracy: [ShapesProbeVerdict.Attribute: Double] = [:]
        for attribute in ShapesProbeVerdict.Attribute.allCases {
            accuracy[attribute] = Double(right[attribute, default: 0]) / Double(count)
        }
        return (accuracy, wrong)
    }

    @Test("every attribute read right on ≥ 97 % of 300 ground-truth images", arguments: [32, 16])
    func groundTruth(size: Int) throws {
        let (accuracy, wrong) = try Self.groundTruthAccuracy(count: 300, size: size, seed: 2024)
        let figures = ShapesProbeVerdict.Attribute.allCases.map { String(format: "%@ %.1f %%", $0.rawValue, 100 * (accuracy[$0] ?? 0)) }
        print("shapes scorer on ground truth (300 images, \(size)×\(size)): " + figures.joined(separator: ", "))
        for line in wrong.prefix(10) { print("  misread: \(line)") }
        for attribute in ShapesProbeVerdict.Attribute.allCases {
            #expect((accuracy[attribute] ?? 0) >= 0.97, "\(attribute.rawValue) at \(size)×\(size): \(accuracy[attribute] ?? 0)")
        }
    }

    @Test("the scorer reads the probe's own prompts, rendered exactly, fully right")
    func probePromptsRendered() throws {
        for scene in ShapesProbe.prompts {
            let reading = ShapesProbeScorer.read(scene.render(size: 32))
            #expect(reading.verdict(for: scene).fullyRight, "\(scene.caption): read \(reading.summary)")
        }
    }

    @Test("the probe's prompts cover the grammar evenly")
    func promptCoverage() {
        let prompts = ShapesProbe.prompts
        #expect(prompts.count == 72)
        #expect(Set(prompts.map(\.caption)).count == 72)
        for position in GridPosition.allCases { #expect(prompts.filter { $0.objects[0].position == position }.count == 8) }
        for background in ShapeBackground.allCases { #expect(prompts.filter { $0.background == background }.count == 24) }
        for colour in ShapeColour.allCases { #expect(prompts.filter { $0.objects[0].colour == colour }.count == 12) }
        for shape in ShapeKind.allCases {
            for size in ShapeSize.allCases {
                #expect(prompts.filter { $0.objects[0].shape == shape && $0.objects[0].size == size }.count == 12)
            }
        }
    }

    @Test("a blank image has no object: every object attribute is wrong, the background right")
    func blank() throws {
        let image = try Image(width: 32, height: 32, format: .rgb, fill: (128, 128, 128))
        let reading = ShapesProbeScorer.read(image)
        #expect(reading.background == .gray)
        #expect(reading.colour == nil && reading.shape == nil && reading.size == nil && reading.position == nil)
    }
}
