/// Work stopped by Ctrl-C (SIGINT) or SIGTERM before it finished; the message says which phase and
/// what was kept. Commands exit with status 130 on it, as a shell does for an interrupted program.
public struct Interruption: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
