/// The canvas colours of the `shapes` generator, with their exact RGB values (DESIGN §5).
public enum ShapeBackground: String, Sendable, CaseIterable, Codable {
    case white, gray, black

    /// The exact colour of every pixel no object touches.
    public var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .white: (255, 255, 255)
        case .gray: (128, 128, 128)
        case .black: (0, 0, 0)
        }
    }

    /// The word in captions.
    public var word: String { rawValue }
}
