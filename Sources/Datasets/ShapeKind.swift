/// The shapes of the `shapes` generator (DESIGN §5).
public enum ShapeKind: String, Sendable, CaseIterable, Codable {
    /// A disc filling its box: radius half the box side.
    case circle
    /// The box itself.
    case square
    /// An isosceles triangle, apex up at the middle of the box's top edge, base the box's bottom edge
    /// (so base = height = the box side).
    case triangle

    /// The word in captions.
    public var word: String { rawValue }
}
