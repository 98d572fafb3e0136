/// How the first object of a two-object `shapes` scene stands to the second (DESIGN §5).
public enum ShapeRelation: String, Sendable, CaseIterable, Codable {
    /// The first object is in the left column, the second in the right column of the same row.
    case leftOf = "left-of"
    /// The first object is in the top row, the second in the bottom row of the same column.
    case above

    /// The words between the two objects in the caption.
    public var phrase: String {
        switch self {
        case .leftOf: "to the left of"
        case .above: "above"
        }
    }
}
