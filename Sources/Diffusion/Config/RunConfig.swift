/// Everything a run needs, as written in `Configs/*.yaml` (DESIGN §6). The defaults are the
/// default config, `Configs/shapes-32.yaml`; a YAML file overrides any subset of keys.
public struct RunConfig: Codable, Equatable, Sendable {
    /// Seeds every random choice of the run (initialisation, data order, noise).
    public var seed: Int = 0
    public var data = DataConfig()
    public var tokenizer = TokenizerConfig()
    public var textEncoder = CLIPTextConfig()
    public var visionEncoder = CLIPVisionConfig()
    public var clip = CLIPConfig()
    public var encoderTraining = TrainingConfig(batchSize: 128, steps: 2000, learningRate: 2e-3, warmupSteps: 100)
    public var vae = AutoencoderConfig()
    public var vaeLoss = AutoencoderLossConfig()
    public var vaeTraining = TrainingConfig(batchSize: 32, steps: 3000, learningRate: 1e-3, warmupSteps: 100)
    public var unet = UNetConfig()
    public var scheduler = SchedulerConfig()
    public var diffusion = DiffusionTrainingConfig()
    public var unetTraining = TrainingConfig(batchSize: 64, steps: 6500, learningRate: 1e-3, warmupSteps: 200)
    public var sampling = SamplingConfig()

    public init() {}

    // Declaration order is the order `t2i config show` prints: data, then the three stages.
    enum CodingKeys: String, CodingKey {
        case seed
        case data
        case tokenizer
        case textEncoder = "text_encoder"
        case visionEncoder = "vision_encoder"
        case clip
        case encoderTraining = "encoder_training"
        case vae
        case vaeLoss = "vae_loss"
        case vaeTraining = "vae_training"
        case unet
        case scheduler
        case diffusion
        case unetTraining = "unet_training"
        case sampling
    }
}
