/// The nine places of the `shapes` grid: box centres at {0.25, 0.5, 0.75} · S in x and y
/// (DESIGN §5), each with its caption phrase.
public enum GridPosition: String, Sendable, CaseIterable, Codable {
    case topLeft = "top-left", top, topRight = "top-right"
    case left, center, right
    case bottomLeft = "bottom-left", bottom, bottomRight = "bottom-right"

    /// The position in the grid at `column` (0 left … 2 right) and `row` (0 top … 2 bottom), or nil
    /// outside `0...2`.
    public init?(column: Int, row: Int) {
        guard (0...2).contains(column), (0...2).contains(row) else { return nil }
        self = Self.allCases[row * 3 + column]
    }

    /// 0 (left), 1 (middle) or 2 (right).
    public var column: Int { Self.allCases.firstIndex(of: self).map { $0 % 3 } ?? 0 }
    /// 0 (top), 1 (middle) or 2 (bottom).
    public var row: Int { Self.allCases.firstIndex(of: self).map { $0 / 3 } ?? 0 }

    /// The box centre as fractions of the canvas side, before jitter: (0.25 + 0.25 · column, …).
    public var centreFraction: (x: Double, y: Double) {
        (0.25 + 0.25 * Double(column), 0.25 + 0.25 * Double(row))
    }

    /// The `where` of a single-object caption, e.g. "in the top left", "at the top", "on the left".
    public var phrase: String {
        switch self {
        case .topLeft: "in the top left"
        case .top: "at the top"
        case .topRight: "in the top right"
        case .left: "on the left"
        case .center: "in the center"
        case .right: "on the right"
        case .bottomLeft: "in the bottom left"
        case .bottom: "at the bottom"
        case .bottomRight: "in the bottom right"
        }
    }
}
