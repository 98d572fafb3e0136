/// What the U-Net stage adds to plain optimisation (DESIGN §4).
public struct DiffusionTrainingConfig: Codable, Equatable, Sendable {
    /// Share of captions replaced by the empty prompt, for classifier-free guidance.
    public var captionDropout: Double = 0.1
    /// EMA decay of the U-Net weights used for sampling.
    public var emaDecay: Double = 0.999
    /// Min-SNR-γ loss weighting (Hang et al. 2023); 0 turns it off.
    public var minSNRGamma: Double = 5
    /// How many of the text encoder's last layers the U-Net's context leaves out (diffusers'
    /// `clip_skip`): 0 conditions on the last layer's states, k on those after
    /// `num_hidden_layers − k` layers (through the final layer norm). Sampling must use the value
    /// the U-Net was trained with, so `train-unet` records it in the U-Net's weights
    /// (`UNet2DConditionModel.clipSkipKey`) and every pipeline takes it from there. The default,
    /// 3 of the default encoder's 3 layers, is its token and position embeddings alone: the layers
    /// put a caption never seen in training on top of its nearest seen one, the embeddings keep
    /// them apart (held-out combinations 92.1 % right against 63.4 % with 0,
    /// docs/composition-study.md). A config with fewer layers must set it (validation says so).
    public var clipSkip: Int = 3

    public init() {}

    enum CodingKeys: String, CodingKey {
        case captionDropout = "caption_dropout"
        case emaDecay = "ema_decay"
        case minSNRGamma = "min_snr_gamma"
        case clipSkip = "clip_skip"
    }
}
