/// transformers `CLIPVisionConfig` fields (DESIGN §3 defaults); field names as in its config.json.
public struct CLIPVisionConfig: Codable, Equatable, Sendable {
    public var imageSize: Int = 32
    public var patchSize: Int = 4
    public var numChannels: Int = 3
    public var hiddenSize: Int = 128
    public var intermediateSize: Int = 512
    public var numHiddenLayers: Int = 3
    public var numAttentionHeads: Int = 4
    public var hiddenAct: String = "gelu"
    public var layerNormEps: Double = 1e-5

    public init() {}

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size"
        case patchSize = "patch_size"
        case numChannels = "num_channels"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
    }
}
