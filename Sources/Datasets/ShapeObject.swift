/// One object of a `shapes` scene: what it is, where its box sits on the grid, and its jitter.
public struct ShapeObject: Sendable, Equatable {
    /// The largest jitter of a box centre, as a fraction of the canvas side (DESIGN §5: ≤ 0.04 · S).
    public static let maxJitter = 0.04

    /// The shape.
    public var shape: ShapeKind
    /// The fill colour.
    public var colour: ShapeColour
    /// The box size.
    public var size: ShapeSize
    /// The grid place of the box centre.
    public var position: GridPosition
    /// Horizontal offset of the box centre from its grid place, a fraction of S in ±``maxJitter``.
    public var jitterX: Double
    /// Vertical offset of the box centre from its grid place (down is positive), a fraction of S.
    public var jitterY: Double

    /// Creates an object; jitters beyond ±``maxJitter`` are clamped to it.
    public init(shape: ShapeKind, colour: ShapeColour, size: ShapeSize, position: GridPosition,
                jitterX: Double = 0, jitterY: Double = 0) {
        self.shape = shape
        self.colour = colour
        self.size = size
        self.position = position
        self.jitterX = min(max(jitterX, -Self.maxJitter), Self.maxJitter)
        self.jitterY = min(max(jitterY, -Self.maxJitter), Self.maxJitter)
    }

    /// The box centre in pixel coordinates of a `canvas`-sided image (pixel x covers [x, x + 1)).
    public func centre(canvas: Int) -> (x: Double, y: Double) {
        let s = Double(canvas)
        let grid = position.centreFraction
        return ((grid.x + jitterX) * s, (grid.y + jitterY) * s)
    }

    /// The box side in pixels on a `canvas`-sided image.
    public func boxSide(canvas: Int) -> Double {
        size.boxFraction * Double(canvas)
    }

    /// The pixel holding the box centre: the one to test for the exact colour.
    public func centrePixel(canvas: Int) -> (x: Int, y: Int) {
        let c = centre(canvas: canvas)
        return (Int(c.x.rounded(.down)), Int(c.y.rounded(.down)))
    }

    /// Whether the point (`x`, `y`), in pixel coordinates, lies inside the shape.
    func contains(x: Double, y: Double, centre: (x: Double, y: Double), half: Double) -> Bool {
        let dx = x - centre.x
        let dy = y - centre.y
        switch shape {
        case .square:
            return abs(dx) <= half && abs(dy) <= half
        case .circle:
            return dx * dx + dy * dy <= half * half
        case .triangle:
            // Apex (cx, cy − h), base from (cx − h, cy + h) to (cx + h, cy + h): the half width grows
            // from 0 at the apex to h at the base, i.e. half the distance below the apex.
            guard dy >= -half, dy <= half else { return false }
            return abs(dx) <= (dy + half) / 2
        }
    }
}
