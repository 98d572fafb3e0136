/// The object sizes of the `shapes` generator (DESIGN §5).
public enum ShapeSize: String, Sendable, CaseIterable, Codable {
    /// A box side of 0.28 · S.
    case small
    /// A box side of 0.5 · S.
    case large

    /// The side of the object's box as a fraction of the canvas side S.
    public var boxFraction: Double {
        switch self {
        case .small: 0.28
        case .large: 0.5
        }
    }

    /// The word in captions.
    public var word: String { rawValue }
}
