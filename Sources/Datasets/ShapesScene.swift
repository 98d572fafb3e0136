/// One `shapes` image described exactly: a background and one object, or two small objects in a
/// relation (DESIGN §5). ``caption`` gives its caption, ``render(size:)`` its pixels.
public struct ShapesScene: Sendable, Equatable {
    /// The canvas colour.
    public let background: ShapeBackground
    /// One object, or two (the first is the one the relation is said of).
    public let objects: [ShapeObject]
    /// nil for one object; how the first object stands to the second for two.
    public let relation: ShapeRelation?

    /// A single-object scene: "a {size} {colour} {shape} {where} on a {background} background".
    public init(background: ShapeBackground, object: ShapeObject) {
        self.background = background
        self.objects = [object]
        self.relation = nil
    }

    /// A two-object scene: "a {colour} {shape} {relation} a {colour} {shape} on a {background} background".
    ///
    /// The caller places the objects so that the relation holds (``ShapesGenerator`` puts them in
    /// opposite grid columns or rows, where two small boxes cannot overlap even with full jitter).
    public init(background: ShapeBackground, first: ShapeObject, relation: ShapeRelation, second: ShapeObject) {
        self.background = background
        self.objects = [first, second]
        self.relation = relation
    }

    /// The caption, in the grammar of DESIGN §5.
    public var caption: String {
        let ground = "on a \(background.word) background"
        if let relation, objects.count == 2 {
            let a = objects[0]
            let b = objects[1]
            return "a \(a.colour.word) \(a.shape.word) \(relation.phrase) a \(b.colour.word) \(b.shape.word) \(ground)"
        }
        let o = objects[0]
        return "a \(o.size.word) \(o.colour.word) \(o.shape.word) \(o.position.phrase) \(ground)"
    }

    /// The scene's attributes as a compact JSON object, for the `"attributes"` key of
    /// `captions.jsonl`: background, relation (two objects only) and, per object, shape, colour,
    /// size, grid position, and box centre and side in pixels of a `canvas`-sided image.
    public func attributesJSON(canvas: Int) -> String {
        let items = objects.map { o -> String in
            let c = o.centre(canvas: canvas)
            return "{\"shape\":\"\(o.shape.rawValue)\",\"colour\":\"\(o.colour.rawValue)\","
                + "\"size\":\"\(o.size.rawValue)\",\"position\":\"\(o.position.rawValue)\","
                + "\"x\":\(Self.number(c.x)),\"y\":\(Self.number(c.y)),\"box\":\(Self.number(o.boxSide(canvas: canvas)))}"
        }
        var json = "{\"background\":\"\(background.rawValue)\""
        if let relation { json += ",\"relation\":\"\(relation.rawValue)\"" }
        return json + ",\"objects\":[\(items.joined(separator: ","))]}"
    }

    /// Three decimals, fixed: the same bytes on every platform.
    private static func number(_ value: Double) -> String {
        String(format: "%.3f", value)
    }
}
