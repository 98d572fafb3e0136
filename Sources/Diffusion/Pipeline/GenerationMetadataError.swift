/// A generated PNG's metadata is missing or malformed: one line naming the file and the key.
public struct GenerationMetadataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let key: String
    public let message: String

    public init(file: String, key: String, _ message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String { "\(file): \(key): \(message)" }
}
