/// The contrastive head of transformers `CLIPModel` (DESIGN §3).
public struct CLIPConfig: Codable, Equatable, Sendable {
    public var projectionDim: Int = 128
    /// ln(1/0.07), CLIP's initial temperature; clamped at ln(100) during training.
    public var logitScaleInitValue: Double = 2.6592
    /// Hard-negative captions per image (`TextEncoderStage.HardNegatives`, NegCLIP), 0 for none:
    /// its caption with one word changed, so the text tower has to encode every word — places and
    /// relations included, which plain contrastive training on random batches barely needs.
    /// Written `false` / `true` for 0 / 1 (what configs before counts said), else the count.
    public var hardNegatives: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case projectionDim = "projection_dim"
        case logitScaleInitValue = "logit_scale_init_value"
        case hardNegatives = "hard_negatives"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        projectionDim = try c.decode(Int.self, forKey: .projectionDim)
        logitScaleInitValue = try c.decode(Double.self, forKey: .logitScaleInitValue)
        if let flag = try? c.decode(Bool.self, forKey: .hardNegatives) {
            hardNegatives = flag ? 1 : 0
        } else if let count = try? c.decode(Int.self, forKey: .hardNegatives) {
            hardNegatives = count
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.hardNegatives],
                                                    debugDescription: "expected true, false or a number of negatives per caption"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(projectionDim, forKey: .projectionDim)
        try c.encode(logitScaleInitValue, forKey: .logitScaleInitValue)
        // 0 and 1 as before counts existed, so stored configs and the study's keys stay the same.
        if hardNegatives == 0 || hardNegatives == 1 {
            try c.encode(hardNegatives == 1, forKey: .hardNegatives)
        } else {
            try c.encode(hardNegatives, forKey: .hardNegatives)
        }
    }
}
