/// The contrastive head of transformers `CLIPModel` (DESIGN §3).
public struct CLIPConfig: Codable, Equatable, Sendable {
    public var projectionDim: Int = 128
    /// ln(1/0.07), CLIP's initial temperature; clamped at ln(100) during training.
    public var logitScaleInitValue: Double = 2.6592

    public init() {}

    enum CodingKeys: String, CodingKey {
        case projectionDim = "projection_dim"
        case logitScaleInitValue = "logit_scale_init_value"
    }
}
