/// How `t2i serve` listens and whom it answers.
public struct ServerSettings: Sendable {
    /// The address to bind: 127.0.0.1 unless told otherwise, so nothing outside the machine can connect.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// When set, every route but the page needs `Authorization: Bearer <token>` (or HTTP Basic
    /// auth with the token as password, as AUTOMATIC1111's clients send).
    public var token: String?
    /// The one origin whose pages may call the API from a browser; nil sends no CORS headers.
    public var corsOrigin: String?
    public var limits: ServerLimits

    public init(host: String = "127.0.0.1", port: Int = 7860, token: String? = nil, corsOrigin: String? = nil,
                limits: ServerLimits = ServerLimits()) {
        self.host = host
        self.port = port
        self.token = token
        self.corsOrigin = corsOrigin
        self.limits = limits
    }
}
