/// The object colours of the `shapes` generator, with their exact RGB values (DESIGN §5).
public enum ShapeColour: String, Sendable, CaseIterable, Codable {
    case red, green, blue, yellow, purple, orange

    /// The exact colour an object's fully covered pixels get.
    public var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .red: (220, 30, 30)
        case .green: (30, 160, 50)
        case .blue: (30, 70, 220)
        case .yellow: (240, 200, 20)
        case .purple: (140, 50, 170)
        case .orange: (245, 130, 20)
        }
    }

    /// The word in captions.
    public var word: String { rawValue }
}
