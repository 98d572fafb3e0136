/// The bounds a server keeps whatever its clients send (DESIGN §7: every size from outside is
/// bounded before allocation).
public struct ServerLimits: Sendable, Equatable {
    /// Largest request body, in bytes (413 above).
    public var maxBodyBytes: Int
    /// Most images one request asks for.
    public var maxImages: Int
    /// Jobs waiting behind the running one (429 when full).
    public var queueLength: Int
    /// Longest a generation request may take, waiting included (503 after, the job stopped).
    public var requestSeconds: Double

    public init(maxBodyBytes: Int = 2 << 20, maxImages: Int = 64, queueLength: Int = 8, requestSeconds: Double = 300) {
        self.maxBodyBytes = maxBodyBytes
        self.maxImages = maxImages
        self.queueLength = queueLength
        self.requestSeconds = requestSeconds
    }
}
