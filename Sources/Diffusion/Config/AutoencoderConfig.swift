/// diffusers `AutoencoderKL` config fields (DESIGN §3 defaults); names as in its config.json.
public struct AutoencoderConfig: Codable, Equatable, Sendable {
    public var inChannels: Int = 3
    public var outChannels: Int = 3
    public var blockOutChannels: [Int] = [32, 64, 64]
    public var layersPerBlock: Int = 1
    public var normNumGroups: Int = 16
    public var latentChannels: Int = 4
    public var sampleSize: Int = 32
    /// 1/std of training latents, measured after training (1 until then).
    public var scalingFactor: Double = 1.0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels"
        case outChannels = "out_channels"
        case blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block"
        case normNumGroups = "norm_num_groups"
        case latentChannels = "latent_channels"
        case sampleSize = "sample_size"
        case scalingFactor = "scaling_factor"
    }
}
