/// Which attributes of one generated single-object image match its prompt.
public struct ShapesProbeVerdict: ShapesVerdict {
    /// The attributes the probe scores, in the order it prints them.
    public enum Attribute: String, CaseIterable, Sendable {
        case colour, shape, size, position, background
    }

    public static let probeName = "shapes probe"
    public static func meaning(_ attribute: Attribute) -> String? { nil }

    public var colour: Bool
    public var shape: Bool
    public var size: Bool
    public var position: Bool
    public var background: Bool

    public init(colour: Bool, shape: Bool, size: Bool, position: Bool, background: Bool) {
        self.colour = colour
        self.shape = shape
        self.size = size
        self.position = position
        self.background = background
    }

    /// Whether `attribute` matches.
    public subscript(_ attribute: Attribute) -> Bool {
        switch attribute {
        case .colour: colour
        case .shape: shape
        case .size: size
        case .position: position
        case .background: background
        }
    }
}
