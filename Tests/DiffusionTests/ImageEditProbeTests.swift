import Testing
import TensorCore
import Datasets
import Diffusion

/// The cases `t2i eval edits` scores: recolours change only the colour, moves only the place, and a
/// move's mask covers both the old and the new object.
@Suite struct ImageEditProbeTests {
    @Test func casesChangeOneAttribute() {
        let cases = ImageEditProbe.cases(canvas: 32)
        #expect(cases.count == 36)
        let recolours = cases.filter { $0.mask == nil }, moves = cases.filter { $0.mask != nil }
        #expect(recolours.count == 18 && moves.count == 18)
        for c in recolours {
            let (a, b) = (c.source.objects[0], c.target.objects[0])
            #expect(a.colour != b.colour && a.shape == b.shape && a.size == .large && b.size == .large && a.position == b.position)
            #expect(c.source.background == c.target.background)
        }
        #expect(Set(recolours.map { "\($0.source.objects[0].colour) \($0.source.objects[0].shape)" }).count == 18)
        for c in moves {
            let (a, b) = (c.source.objects[0], c.target.objects[0])
            #expect(a.position != b.position && a.colour == b.colour && a.shape == b.shape && a.size == .small)
        }
    }

    @Test func moveMaskCoversBothBoxesAndLittleElse() throws {
        for c in ImageEditProbe.cases(canvas: 32) {
            guard let mask = c.mask else { continue }
            #expect(mask.shape == [1, 1, 32, 32])
            let values = mask.scalars
            #expect(values.allSatisfy { $0 == 0 || $0 == 1 })
            for object in [c.source.objects[0], c.target.objects[0]] {
                // Every pixel of the object's box, at the largest jitter either way, is repainted.
                let half = object.boxSide(canvas: 32) / 2 + ShapeObject.maxJitter * 32
                let centre = object.centre(canvas: 32)
                for y in 0..<32 {
                    for x in 0..<32 where abs(Double(x) + 0.5 - centre.x) < half && abs(Double(y) + 0.5 - centre.y) < half {
                        #expect(values[y * 32 + x] == 1, "\(c.target.caption): (\(x), \(y)) of the \(object.position) box is kept")
                    }
                }
            }
            #expect(values.reduce(0, +) <= 2 * 15 * 15)
        }
    }
}
