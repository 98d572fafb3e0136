import Datasets
import Foundation
import Imaging
import Testing

@Suite("shapes grammar: captions and pixels")
struct ShapesGrammarTests {
    static let expectedPhrases: [(GridPosition, String)] = [
        (.topLeft, "in the top left"), (.top, "at the top"), (.topRight, "in the top right"),
        (.left, "on the left"), (.center, "in the center"), (.right, "on the right"),
        (.bottomLeft, "in the bottom left"), (.bottom, "at the bottom"), (.bottomRight, "in the bottom right"),
    ]

    @Test("each of the nine positions has its phrase, grid cell and centre", arguments: 0..<9)
    func positions(k: Int) throws {
        let (position, phrase) = Self.expectedPhrases[k]
        #expect(position.phrase == phrase)
        #expect(position.column == k % 3)
        #expect(position.row == k / 3)
        #expect(GridPosition(column: k % 3, row: k / 3) == position)
        #expect(position.centreFraction.x == [0.25, 0.5, 0.75][k % 3])
        #expect(position.centreFraction.y == [0.25, 0.5, 0.75][k / 3])
        let scene = ShapesScene(background: .gray,
                                object: ShapeObject(shape: .triangle, colour: .orange, size: .small, position: position))
        #expect(scene.caption == "a small orange triangle \(phrase) on a gray background")
    }

    @Test("single-object captions: every size, colour, shape and background")
    func singleObjectTemplate() {
        for size in ShapeSize.allCases {
            for colour in ShapeColour.allCases {
                for shape in ShapeKind.allCases {
                    for background in ShapeBackground.allCases {
                        let object = ShapeObject(shape: shape, colour: colour, size: size, position: .center)
                        let caption = ShapesScene(background: background, object: object).caption
                        #expect(caption == "a \(size.rawValue) \(colour.rawValue) \(shape.rawValue) in the center "
                                + "on a \(background.rawValue) background")
                    }
                }
            }
        }
        #expect(ShapeSize.allCases.map(\.word) == ["small", "large"])
        #expect(ShapeColour.allCases.map(\.word) == ["red", "green", "blue", "yellow", "purple", "orange"])
        #expect(ShapeKind.allCases.map(\.word) == ["circle", "square", "triangle"])
        #expect(ShapeBackground.allCases.map(\.word) == ["white", "gray", "black"])
    }

    @Test("two-object captions: to the left of, above")
    func twoObjectTemplates() {
        let a = ShapeObject(shape: .circle, colour: .red, size: .small, position: .left)
        let b = ShapeObject(shape: .square, colour: .blue, size: .small, position: .right)
        #expect(ShapesScene(background: .white, first: a, relation: .leftOf, second: b).caption
                == "a red circle to the left of a blue square on a white background")
        let c = ShapeObject(shape: .triangle, colour: .yellow, size: .small, position: .top)
        let d = ShapeObject(shape: .circle, colour: .purple, size: .small, position: .bottom)
        #expect(ShapesScene(background: .black, first: c, relation: .above, second: d).caption
                == "a yellow triangle above a purple circle on a black background")
    }

    @Test("the exact colours and sizes of DESIGN §5")
    func exactValues() {
        #expect(ShapeColour.red.rgb == (220, 30, 30))
        #expect(ShapeColour.green.rgb == (30, 160, 50))
        #expect(ShapeColour.blue.rgb == (30, 70, 220))
        #expect(ShapeColour.yellow.rgb == (240, 200, 20))
        #expect(ShapeColour.purple.rgb == (140, 50, 170))
        #expect(ShapeColour.orange.rgb == (245, 130, 20))
        #expect(ShapeBackground.white.rgb == (255, 255, 255))
        #expect(ShapeBackground.gray.rgb == (128, 128, 128))
        #expect(ShapeBackground.black.rgb == (0, 0, 0))
        #expect(ShapeSize.small.boxFraction == 0.28)
        #expect(ShapeSize.large.boxFraction == 0.5)
        // Jitter is clamped to ±0.04·S.
        let o = ShapeObject(shape: .square, colour: .red, size: .large, position: .center, jitterX: 0.3, jitterY: -0.3)
        #expect(o.jitterX == 0.04 && o.jitterY == -0.04)
        #expect(o.centre(canvas: 100) == (54, 46))
    }

    /// The corner of the canvas farthest from a grid position.
    static func farCorner(_ position: GridPosition, canvas: Int) -> (x: Int, y: Int) {
        (position.column < 1 ? canvas - 1 : 0, position.row < 1 ? canvas - 1 : 0)
    }

    static func rgb(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] { image.pixel(x: x, y: y) }
    static func bytes(_ c: (UInt8, UInt8, UInt8)) -> [UInt8] { [c.0, c.1, c.2] }

    @Test("the named colour sits at the named position; the far corner is background", arguments: 0..<9)
    func pixelsAtPosition(k: Int) {
        let position = GridPosition.allCases[k]
        for size in ShapeSize.allCases {
            for shape in ShapeKind.allCases {
                for (c, colour) in ShapeColour.allCases.enumerated() {
                    let background = ShapeBackground.allCases[(c + k) % 3]
                    // Full jitter in both directions must keep the centre pixel exact.
                    for jitter in [-0.04, 0.0, 0.04] {
                        let object = ShapeObject(shape: shape, colour: colour, size: size, position: position,
                                                 jitterX: jitter, jitterY: -jitter)
                        let scene = ShapesScene(background: background, object: object)
                        let image = scene.render(size: 32)
                        let centre = object.centrePixel(canvas: 32)
                        #expect(Self.rgb(image, centre.x, centre.y) == Self.bytes(colour.rgb),
                                "\(scene.caption), jitter \(jitter)")
                        let corner = Self.farCorner(position, canvas: 32)
                        #expect(Self.rgb(image, corner.x, corner.y) == Self.bytes(background.rgb), "\(scene.caption)")
                    }
                }
            }
        }
    }

    @Test("shapes have their geometry: square fills its box, circle leaves the box corners, triangle points up")
    func geometry() {
        func draw(_ shape: ShapeKind) -> Image {
            ShapesScene(background: .white,
                        object: ShapeObject(shape: shape, colour: .blue, size: .large, position: .center)).render(size: 64)
        }
        // Large box at S = 64: side 32, centre (32, 32), box [16, 48).
        let blue = Self.bytes(ShapeColour.blue.rgb)
        let white: [UInt8] = [255, 255, 255]
        let square = draw(.square)
        #expect(square.pixel(x: 17, y: 17) == blue && square.pixel(x: 46, y: 46) == blue)
        #expect(square.pixel(x: 14, y: 32) == white && square.pixel(x: 49, y: 32) == white)
        let circle = draw(.circle)
        #expect(circle.pixel(x: 17, y: 32) == blue && circle.pixel(x: 17, y: 17) == white)
        let triangle = draw(.triangle)
        #expect(triangle.pixel(x: 17, y: 46) == blue && triangle.pixel(x: 46, y: 46) == blue)  // base corners
        #expect(triangle.pixel(x: 17, y: 17) == white && triangle.pixel(x: 32, y: 18) == blue)  // apex at the top middle
        // Anti-aliased edge: a pixel half covered lies strictly between blue and white.
        let edge = circle.pixel(x: 20, y: 20)
        #expect(edge != blue && edge != white)
    }

    @Test("two-object scenes: both colours at their centres, relation true, no overlap")
    func twoObjectPixels() throws {
        let generator = try ShapesGenerator(size: 32, seed: 7, twoObjectFraction: 1)
        var relations = Set<ShapeRelation>()
        for i in 0..<60 {
            let scene = generator.scene(at: i)
            let relation = try #require(scene.relation)
            relations.insert(relation)
            #expect(scene.objects.count == 2)
            let (a, b) = (scene.objects[0], scene.objects[1])
            #expect(a.colour != b.colour && a.size == .small && b.size == .small)
            let image = scene.render(size: 32)
            for o in [a, b] {
                let p = o.centrePixel(canvas: 32)
                #expect(image.pixel(x: p.x, y: p.y) == Self.bytes(o.colour.rgb), "\(scene.caption)")
            }
            let ca = a.centre(canvas: 32), cb = b.centre(canvas: 32)
            let side = a.boxSide(canvas: 32)
            switch relation {
            case .leftOf:
                #expect(cb.x - ca.x > side, "\(scene.caption)")
                #expect(scene.caption.contains(" to the left of "))
            case .above:
                #expect(cb.y - ca.y > side, "\(scene.caption)")
                #expect(scene.caption.contains(" above "))
            }
        }
        #expect(relations == [.leftOf, .above])
    }
}
