/// A generation was stopped before it finished (an interrupt, a client gone, a time limit): the
/// caller's `shouldStop` answered true before step `step + 1` of `total`.
public struct GenerationStopped: Error, CustomStringConvertible, Equatable, Sendable {
    /// Steps completed in the batch that was stopped.
    public let step: Int
    /// Steps the batch would have run.
    public let total: Int

    public init(step: Int, of total: Int) {
        self.step = step
        self.total = total
    }

    public var description: String { "generation stopped after step \(step) of \(total)" }
}
