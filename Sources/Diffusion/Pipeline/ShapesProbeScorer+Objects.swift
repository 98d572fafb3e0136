import Imaging
import Datasets

/// Reading every object of a `shapes` image, for two-object prompts ("a red circle to the left of a
/// blue square on a white background").
///
/// 1. Background as for one object (`ShapesProbeScorer.read`, step 1).
/// 2. Objects: the pixels at least `minimumContrast` from the background, split into 4-connected
///    components (side by side, not corner to corner: two objects in diagonal grid places can
///    share a corner pixel's neighbourhood). Two objects of a two-object scene never touch (their
///    boxes are ≥ 0.14·S apart), so a component is one object, and one blob drawn in two colours
///    is one object, not two.
///    Components whose area is under `fragmentFraction` of the smallest object of the grammar (a
///    small triangle) are specks, not objects, and are dropped.
/// 3. Each component is then read like a single object: its colour is the majority nearest object
///    colour of its core pixels; its coverage α (step 3 of `read`) is taken over the component
///    and the one-pixel ring around it (the anti-aliased edge, whose pixels are nearer the
///    background than `minimumContrast`), and shape, size and box centre come from the moments of α.
///
/// Colours, shapes and the relation are then judged against the prompt by
/// `ShapesObjectsReading.pairVerdict(for:)`: objects matched by colour first, the relation read
/// from the matched objects' centres — so an image with both colours somewhere, or the colours
/// swapped between the shapes, or the objects in the wrong order, does not pass.
extension ShapesProbeScorer {
    /// Components smaller than this share of a small triangle's area are specks, not objects.
    public static let fragmentFraction = 0.25

    /// Reads every object of `image` (RGB or RGBA; alpha ignored), largest first.
    public static func readObjects(_ image: Image) -> ShapesObjectsReading {
        let (w, h) = (image.width, image.height)
        let pixels = rgbPixels(image)
        let (backgroundClass, background) = Self.background(pixels, width: w, height: h)
        let distances = pixels.map { distanceSquared($0, background).squareRoot() }
        let labels = components(of: distances.map { $0 >= minimumContrast }, width: w, height: h)
        let minimumArea = fragmentFraction * expectedArea(.triangle, .small, side: min(w, h))
        var objects: [ShapesProbeReading] = []
        var specks = 0
        for members in labels {
            let colour = colourIndex(pixels, distances: distances, candidates: members)
            // the component and its one-pixel ring (never another component: objects are ≥ 4 px apart at 32 px)
            var alpha = [Double](repeating: 0, count: w * h)
            for i in members {
                let (x, y) = (i % w, i / w)
                for ny in max(0, y - 1)...min(h - 1, y + 1) {
                    for nx in max(0, x - 1)...min(w - 1, x + 1) {
                        let j = ny * w + nx
                        guard alpha[j] == 0, j == i || distances[j] < minimumContrast else { continue }
                        alpha[j] = coverage(pixels[j], background: background, colour: colour)
                    }
                }
            }
            var reading = ShapesProbeReading(background: backgroundClass, colour: references[colour].colour, shape: nil, size: nil,
                                             position: nil, area: 0, fill: 0, skewness: 0, centreX: 0, centreY: 0)
            measure(alpha, width: w, height: h, into: &reading)
            if reading.area < minimumArea {
                specks += 1
            } else {
                objects.append(reading)
            }
        }
        objects.sort { $0.area > $1.area }
        return ShapesObjectsReading(background: backgroundClass, objects: objects, specks: specks)
    }

    /// The 4-connected components of `mask` ((H, W), row by row), each as its pixel indices in
    /// scan order; components in order of their first pixel.
    static func components(of mask: [Bool], width w: Int, height h: Int) -> [[Int]] {
        var label = [Int](repeating: -1, count: w * h)
        var result: [[Int]] = []
        for start in mask.indices where mask[start] && label[start] < 0 {
            let id = result.count
            var members: [Int] = [], stack = [start]
            label[start] = id
            while let i = stack.popLast() {
                members.append(i)
                let (x, y) = (i % w, i / w)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && nx < w && ny >= 0 && ny < h {
                    let j = ny * w + nx
                    if mask[j] && label[j] < 0 {
                        label[j] = id
                        stack.append(j)
                    }
                }
            }
            result.append(members.sorted())
        }
        return result
    }
}

/// Every object `ShapesProbeScorer.readObjects` found in one image.
public struct ShapesObjectsReading: Sendable, Equatable {
    public var background: ShapeBackground?
    /// One reading per object (colour, shape, size, position, centre, moments), largest first.
    public var objects: [ShapesProbeReading]
    /// Components too small to be objects, dropped.
    public var specks: Int

    public init(background: ShapeBackground?, objects: [ShapesProbeReading], specks: Int) {
        self.background = background
        self.objects = objects
        self.specks = specks
    }

    /// Whether `first` stands to `second` as `relation` says: for "left of", `first`'s centre is
    /// left of `second`'s and the two are further apart across than up and down; "above" likewise
    /// in the other direction.
    public static func holds(_ relation: ShapeRelation, _ first: ShapesProbeReading, _ second: ShapesProbeReading) -> Bool {
        let (dx, dy) = (second.centreX - first.centreX, second.centreY - first.centreY)
        switch relation {
        case .leftOf: return dx > 0 && abs(dx) >= abs(dy)
        case .above: return dy > 0 && abs(dy) >= abs(dx)
        }
    }

    /// The objects matched to a two-object `scene`'s first and second (nil where too few were
    /// found). The pair maximises 2·(colours right) + (shapes right) — colour first, as a prompt
    /// names objects chiefly by colour — and, among equals, the larger area.
    public func match(_ scene: ShapesScene) -> (first: ShapesProbeReading?, second: ShapesProbeReading?) {
        guard scene.objects.count == 2 else { return (objects.first, nil) }
        func score(_ reading: ShapesProbeReading, _ object: ShapeObject) -> Int {
            (reading.colour == object.colour ? 2 : 0) + (reading.shape == object.shape ? 1 : 0)
        }
        var best: (first: ShapesProbeReading?, second: ShapesProbeReading?) = (nil, nil)
        var bestKey = (score: -1, area: -1.0)
        let candidates: [ShapesProbeReading?] = objects.map { $0 } + [nil]
        for (i, a) in candidates.enumerated() {
            for (j, b) in candidates.enumerated() where i != j || a == nil {
                let s = (a.map { score($0, scene.objects[0]) } ?? 0) + (b.map { score($0, scene.objects[1]) } ?? 0)
                let area = (a?.area ?? 0) + (b?.area ?? 0)
                if s > bestKey.score || (s == bestKey.score && area > bestKey.area) {
                    best = (a, b)
                    bestKey = (s, area)
                }
            }
        }
        return best
    }

    /// How this image answers a two-object `scene`.
    public func pairVerdict(for scene: ShapesScene) -> ShapesPairVerdict {
        let (first, second) = match(scene)
        let relationHolds: Bool
        if let first, let second, let relation = scene.relation {
            relationHolds = Self.holds(relation, first, second)
        } else {
            relationHolds = false
        }
        // an unmatched object (nil) is never equal to the prompt's, whose colour and shape are set
        let (a, b) = (scene.objects[0], scene.objects[scene.objects.count - 1])
        return ShapesPairVerdict(
            colours: first?.colour == a.colour && second?.colour == b.colour,
            shapes: first?.shape == a.shape && second?.shape == b.shape,
            relation: relationHolds, count: objects.count == scene.objects.count, background: background == scene.background)
    }

    /// A short description, e.g. "red circle (0.25,0.50), blue square (0.75,0.50) on white".
    public var summary: String {
        let items = objects.map { o in
            "\(o.colour?.rawValue ?? "?") \(o.shape?.rawValue ?? "?") (\(String(format: "%.2f,%.2f", o.centreX, o.centreY)))"
        }
        return (items.isEmpty ? "no object" : items.joined(separator: ", ")) + " on \(background?.rawValue ?? "?")"
    }
}

/// Which parts of a two-object prompt one image gets right.
public struct ShapesPairVerdict: ShapesVerdict {
    /// The parts scored, in the order they print.
    public enum Attribute: String, CaseIterable, Sendable {
        case colours, shapes, relation, count, background
    }

    public static let probeName = "two-object probe"
    public static func meaning(_ attribute: Attribute) -> String? {
        switch attribute {
        case .colours: "both objects' colours"
        case .shapes: "both objects' shapes"
        case .relation: "first object left of / above the second"
        case .count: "exactly two objects"
        case .background: nil
        }
    }

    /// Both objects have their colours.
    public var colours: Bool
    /// Both objects have their shapes.
    public var shapes: Bool
    /// The first object stands to the second as the prompt says.
    public var relation: Bool
    /// Exactly two objects.
    public var count: Bool
    public var background: Bool

    public init(colours: Bool, shapes: Bool, relation: Bool, count: Bool, background: Bool) {
        self.colours = colours
        self.shapes = shapes
        self.relation = relation
        self.count = count
        self.background = background
    }

    public subscript(_ attribute: Attribute) -> Bool {
        switch attribute {
        case .colours: colours
        case .shapes: shapes
        case .relation: relation
        case .count: count
        case .background: background
        }
    }
}
