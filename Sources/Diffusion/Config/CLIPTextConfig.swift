/// transformers `CLIPTextConfig` fields (DESIGN §3 defaults); field names as in its config.json.
public struct CLIPTextConfig: Codable, Equatable, Sendable {
    public var hiddenSize: Int = 128
    public var intermediateSize: Int = 512
    public var numHiddenLayers: Int = 3
    public var numAttentionHeads: Int = 4
    /// Positions; equals the tokenizer's max length.
    public var maxPositionEmbeddings: Int = 32
    /// "gelu", "quick_gelu" or "gelu_new".
    public var hiddenAct: String = "gelu"
    public var layerNormEps: Double = 1e-5

    public init() {}

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
    }
}
