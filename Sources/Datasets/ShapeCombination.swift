/// A colour–shape combination of the `shapes` grammar, e.g. "green triangle": what `data.exclude`
/// keeps out of a generated dataset so that an eval can prompt it as held out.
public struct ShapeCombination: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let colour: ShapeColour
    public let shape: ShapeKind

    public init(colour: ShapeColour, shape: ShapeKind) {
        self.colour = colour
        self.shape = shape
    }

    /// The combination an object is.
    public init(_ object: ShapeObject) {
        self.init(colour: object.colour, shape: object.shape)
    }

    /// Parses "colour shape" as captions spell it ("green triangle"; extra spaces are forgiven,
    /// capitals are not: captions are lower case). Nil when it is not a colour word and a shape word.
    public init?(parsing text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, let colour = ShapeColour(rawValue: String(words[0])),
              let shape = ShapeKind(rawValue: String(words[1])) else { return nil }
        self.init(colour: colour, shape: shape)
    }

    /// All 18 combinations, in the grammar's order (colour major).
    public static let all: [ShapeCombination] = ShapeColour.allCases.flatMap { colour in
        ShapeKind.allCases.map { ShapeCombination(colour: colour, shape: $0) }
    }

    /// "green triangle", as in captions.
    public var description: String { "\(colour.word) \(shape.word)" }

    /// Grammar order: colour, then shape.
    public static func < (a: ShapeCombination, b: ShapeCombination) -> Bool {
        (all.firstIndex(of: a) ?? 0) < (all.firstIndex(of: b) ?? 0)
    }

    /// Whether a generator excluding `excluded` can still draw its scenes: at least one combination
    /// left, and for two-object scenes (`twoObjects`) combinations of two colours. The problem in
    /// words, nil when there is none.
    public static func problem(excluding excluded: Set<ShapeCombination>, twoObjects: Bool) -> String? {
        let left = all.filter { !excluded.contains($0) }
        guard let first = left.first else { return "exclude all \(all.count) colour–shape combinations" }
        if twoObjects, Set(left.map(\.colour)).count < 2 {
            return "leave only \(first.colour.word) objects, and two-object scenes need two colours (or set the two-object fraction to 0)"
        }
        return nil
    }
}
