/// What ``ShapesGenerator/write(count:to:)`` wrote.
public struct ShapesWriteSummary: Sendable, Equatable {
    /// Images written (and lines in `captions.jsonl`).
    public let count: Int
    /// How many of them hold two objects.
    public let twoObjectCount: Int
}
