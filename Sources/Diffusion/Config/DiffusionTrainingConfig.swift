/// What the U-Net stage adds to plain optimisation (DESIGN §4).
public struct DiffusionTrainingConfig: Codable, Equatable, Sendable {
    /// Share of captions replaced by the empty prompt, for classifier-free guidance.
    public var captionDropout: Double = 0.1
    /// EMA decay of the U-Net weights used for sampling.
    public var emaDecay: Double = 0.999
    /// Min-SNR-γ loss weighting (Hang et al. 2023); 0 turns it off.
    public var minSNRGamma: Double = 5

    public init() {}

    enum CodingKeys: String, CodingKey {
        case captionDropout = "caption_dropout"
        case emaDecay = "ema_decay"
        case minSNRGamma = "min_snr_gamma"
    }
}
