/// A config file or `--set` override is wrong; names the file (or "--set") and the key.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The config file path, or "--set" for a command-line override.
    public let source: String
    /// The dotted key concerned (e.g. "unet.layers_per_block"), if any.
    public let key: String?
    /// What is wrong, in words.
    public let message: String

    public init(source: String, key: String?, _ message: String) {
        self.source = source
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(source): \(key): \(message)" }
        return "\(source): \(message)"
    }
}
