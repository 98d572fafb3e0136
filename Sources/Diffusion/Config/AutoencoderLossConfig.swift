/// The autoencoder's loss weights: L1 reconstruction, optional MSE, and the KL term (DESIGN §3).
public struct AutoencoderLossConfig: Codable, Equatable, Sendable {
    public var l1Weight: Double = 1.0
    public var mseWeight: Double = 0.0
    public var klWeight: Double = 1e-6

    public init() {}

    enum CodingKeys: String, CodingKey {
        case l1Weight = "l1_weight"
        case mseWeight = "mse_weight"
        case klWeight = "kl_weight"
    }
}
