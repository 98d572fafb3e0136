/// The contrastive head of transformers `CLIPModel` (DESIGN §3).
public struct CLIPConfig: Codable, Equatable, Sendable {
    public var projectionDim: Int = 128
    /// ln(1/0.07), CLIP's initial temperature; clamped at ln(100) during training.
    public var logitScaleInitValue: Double = 2.6592
    /// Train with a hard-negative caption per image (`TextEncoderStage.HardNegatives`, NegCLIP):
    /// its caption with one word changed, so the text tower has to encode every word — places and
    /// relations included, which plain contrastive training on random batches barely needs.
    public var hardNegatives: Bool = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case projectionDim = "projection_dim"
        case logitScaleInitValue = "logit_scale_init_value"
        case hardNegatives = "hard_negatives"
    }
}
