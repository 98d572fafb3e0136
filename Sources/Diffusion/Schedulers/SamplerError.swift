/// A sampler cannot do what was asked (e.g. more steps than training timesteps); one line for the user.
public struct SamplerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong.
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
