/// A training run cannot go on; one line naming the file or setting concerned.
public struct TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
