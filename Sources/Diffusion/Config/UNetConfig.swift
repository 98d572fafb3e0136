/// diffusers `UNet2DConditionModel` config fields (DESIGN §3 defaults); names as in its config.json.
public struct UNetConfig: Codable, Equatable, Sendable {
    public var sampleSize: Int = 8
    public var inChannels: Int = 4
    public var outChannels: Int = 4
    public var blockOutChannels: [Int] = [64, 128]
    public var downBlockTypes: [String] = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D"]
    public var upBlockTypes: [String] = ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var layersPerBlock: Int = 2
    public var crossAttentionDim: Int = 128
    /// Heads per attention layer (diffusers' historical name for it).
    public var attentionHeadDim: Int = 4
    public var normNumGroups: Int = 32
    public var useLinearProjection: Bool = true
    public var flipSinToCos: Bool = true
    public var freqShift: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sampleSize = "sample_size"
        case inChannels = "in_channels"
        case outChannels = "out_channels"
        case blockOutChannels = "block_out_channels"
        case downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types"
        case layersPerBlock = "layers_per_block"
        case crossAttentionDim = "cross_attention_dim"
        case attentionHeadDim = "attention_head_dim"
        case normNumGroups = "norm_num_groups"
        case useLinearProjection = "use_linear_projection"
        case flipSinToCos = "flip_sin_to_cos"
        case freqShift = "freq_shift"
    }
}
