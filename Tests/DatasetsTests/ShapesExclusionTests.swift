import Foundation
import Testing
import Datasets

/// `ShapesGenerator`'s held-out combinations (`data.exclude`).
@Suite("shapes generator: excluded combinations")
struct ShapesExclusionTests {
    static let held: Set<ShapeCombination> = [
        ShapeCombination(colour: .green, shape: .triangle), ShapeCombination(colour: .red, shape: .square),
        ShapeCombination(colour: .blue, shape: .circle),
    ]

    @Test("no object of 4000 scenes is an excluded combination; every other combination still appears")
    func neverDrawn() throws {
        let generator = try ShapesGenerator(size: 32, seed: 8, twoObjectFraction: 0.3, excluded: Self.held)
        var seen: [ShapeCombination: Int] = [:]
        for index in 0..<4000 {
            for object in generator.scene(at: index).objects { seen[ShapeCombination(object), default: 0] += 1 }
        }
        for combination in Self.held { #expect(seen[combination] == nil, "\(combination) drawn \(seen[combination] ?? 0) times") }
        for combination in ShapeCombination.all where !Self.held.contains(combination) {
            #expect((seen[combination] ?? 0) >= 200, "\(combination) drawn only \(seen[combination] ?? 0) times")
        }
    }

    @Test("a scene without an excluded object is the same scene the generator draws without exclusions")
    func othersUnchanged() throws {
        let plain = try ShapesGenerator(size: 32, seed: 8, twoObjectFraction: 0.3)
        let holding = try ShapesGenerator(size: 32, seed: 8, twoObjectFraction: 0.3, excluded: Self.held)
        var kept = 0, redrawn = 0
        for index in 0..<2000 {
            let scene = plain.scene(at: index)
            if scene.objects.contains(where: { Self.held.contains(ShapeCombination($0)) }) {
                redrawn += 1
                #expect(holding.scene(at: index).objects.count == scene.objects.count, "sample \(index) keeps its number of objects")
            } else {
                kept += 1
                #expect(holding.scene(at: index) == scene, "sample \(index)")
            }
        }
        #expect(kept > 1400 && redrawn > 200, "kept \(kept), redrawn \(redrawn)")
    }

    @Test("combinations parse as captions spell them; impossible exclusions are refused")
    func parsingAndLimits() throws {
        #expect(ShapeCombination(parsing: "green triangle") == ShapeCombination(colour: .green, shape: .triangle))
        #expect(ShapeCombination(parsing: "  red   square ") == ShapeCombination(colour: .red, shape: .square))
        for bad in ["green", "triangle green", "Green triangle", "green triangle large", "", "pink circle"] {
            #expect(ShapeCombination(parsing: bad) == nil, "'\(bad)'")
        }
        #expect(ShapeCombination.all.count == 18 && Set(ShapeCombination.all).count == 18)
        #expect(throws: DatasetError.invalidArgument("the excluded combinations exclude all 18 colour–shape combinations")) {
            try ShapesGenerator(twoObjectFraction: 0, excluded: Set(ShapeCombination.all))
        }
        let onlyRed = Set(ShapeCombination.all.filter { $0.colour != .red })
        #expect(throws: DatasetError.invalidArgument("the excluded combinations leave only red objects, and two-object scenes need two colours (or set the two-object fraction to 0)")) {
            try ShapesGenerator(twoObjectFraction: 0.1, excluded: onlyRed)
        }
        let single = try ShapesGenerator(twoObjectFraction: 0, excluded: onlyRed)
        #expect((0..<100).allSatisfy { single.scene(at: $0).objects[0].colour == .red })
    }
}
