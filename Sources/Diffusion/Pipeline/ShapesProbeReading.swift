import Datasets

/// What `ShapesProbeScorer` reads off one single-object `shapes` image: each attribute of the
/// grammar (nil where it could not be decided — no object found, or a background that is none of
/// the three) and the measurements the decisions came from.
public struct ShapesProbeReading: Sendable, Equatable {
    public var background: ShapeBackground?
    public var colour: ShapeColour?
    public var shape: ShapeKind?
    public var size: ShapeSize?
    public var position: GridPosition?

    /// Object area in pixels: the sum of per-pixel coverage α (see `ShapesProbeScorer`).
    public var area: Double
    /// Area / (largest column sum · largest row sum): ≈ 1 square, π/4 circle, ½ triangle.
    public var fill: Double
    /// Skewness of the area's vertical distribution: 0 circle and square, ≈ −0.57 triangle (apex up).
    public var skewness: Double
    /// The box centre as fractions of the side (x right, y down).
    public var centreX: Double
    public var centreY: Double

    public init(background: ShapeBackground?, colour: ShapeColour?, shape: ShapeKind?, size: ShapeSize?,
                position: GridPosition?, area: Double, fill: Double, skewness: Double, centreX: Double, centreY: Double) {
        self.background = background
        self.colour = colour
        self.shape = shape
        self.size = size
        self.position = position
        self.area = area
        self.fill = fill
        self.skewness = skewness
        self.centreX = centreX
        self.centreY = centreY
    }

    /// Whether each attribute matches `scene` (its background and first object).
    public func verdict(for scene: ShapesScene) -> ShapesProbeVerdict {
        let object = scene.objects[0]
        return ShapesProbeVerdict(colour: colour == object.colour, shape: shape == object.shape, size: size == object.size,
                                  position: position == object.position, background: background == scene.background)
    }

    /// A short description, e.g. "large red circle top-left on white" ("?" for undecided attributes).
    public var summary: String {
        "\(size?.rawValue ?? "?") \(colour?.rawValue ?? "?") \(shape?.rawValue ?? "?") \(position?.rawValue ?? "?") on \(background?.rawValue ?? "?")"
    }
}
