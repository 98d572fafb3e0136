/// The JSON of a transformers `CLIPVisionConfig` (a vision model's `config.json`, or
/// `vision_config` inside a `CLIPModel`'s): every field optional, a missing one taking
/// transformers' default.
struct CLIPVisionConfigFile: Decodable, Equatable {
    var architectures: [String]?
    var modelType: String?
    var hiddenSize: Int?
    var intermediateSize: Int?
    var projectionDim: Int?
    var numHiddenLayers: Int?
    var numAttentionHeads: Int?
    var numChannels: Int?
    var imageSize: Int?
    var patchSize: Int?
    var hiddenAct: String?
    var layerNormEps: Double?
    var attentionDropout: Double?
    var initializerRange: Double?
    var initializerFactor: Double?
    var dtype: String?

    enum CodingKeys: String, CodingKey {
        case architectures, dtype
        case modelType = "model_type"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case projectionDim = "projection_dim"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numChannels = "num_channels"
        case imageSize = "image_size"
        case patchSize = "patch_size"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
        case attentionDropout = "attention_dropout"
        case initializerRange = "initializer_range"
        case initializerFactor = "initializer_factor"
    }

    /// transformers' `model_type` for a vision config.
    static let modelType = "clip_vision_model"

    /// No fields: every value takes transformers' default.
    init() {}

    /// The fields for `config`; `standalone` adds what a `CLIPVisionModel` folder's own config has.
    init(_ config: CLIPVisionConfig, projectionDim: Int?, standalone: Bool) {
        architectures = standalone ? ["CLIPVisionModel"] : nil
        modelType = Self.modelType
        hiddenSize = config.hiddenSize
        intermediateSize = config.intermediateSize
        self.projectionDim = projectionDim
        numHiddenLayers = config.numHiddenLayers
        numAttentionHeads = config.numAttentionHeads
        numChannels = config.numChannels
        imageSize = config.imageSize
        patchSize = config.patchSize
        hiddenAct = config.hiddenAct
        layerNormEps = config.layerNormEps
        attentionDropout = 0
        initializerRange = CLIPInitialization.range
        initializerFactor = CLIPInitialization.factor
        dtype = standalone ? "float32" : nil
    }

    /// The config with transformers' `CLIPVisionConfig` defaults for missing fields
    /// (configuration_clip.py).
    func resolved() -> CLIPVisionConfig {
        var c = CLIPVisionConfig()
        c.hiddenSize = hiddenSize ?? 768
        c.intermediateSize = intermediateSize ?? 3072
        c.numHiddenLayers = numHiddenLayers ?? 12
        c.numAttentionHeads = numAttentionHeads ?? 12
        c.numChannels = numChannels ?? 3
        c.imageSize = imageSize ?? 224
        c.patchSize = patchSize ?? 32
        c.hiddenAct = hiddenAct ?? "quick_gelu"
        c.layerNormEps = layerNormEps ?? 1e-5
        return c
    }

    /// The fields present, as a JSON object.
    var json: CLIPJSONValue {
        var pairs: [(String, CLIPJSONValue)] = []
        func put(_ key: CodingKeys, _ value: CLIPJSONValue?) { if let value { pairs.append((key.rawValue, value)) } }
        put(.architectures, architectures.map { .array($0.map { .string($0) }) })
        put(.modelType, modelType.map { .string($0) })
        put(.hiddenSize, hiddenSize.map { .int($0) })
        put(.intermediateSize, intermediateSize.map { .int($0) })
        put(.projectionDim, projectionDim.map { .int($0) })
        put(.numHiddenLayers, numHiddenLayers.map { .int($0) })
        put(.numAttentionHeads, numAttentionHeads.map { .int($0) })
        put(.numChannels, numChannels.map { .int($0) })
        put(.imageSize, imageSize.map { .int($0) })
        put(.patchSize, patchSize.map { .int($0) })
        put(.hiddenAct, hiddenAct.map { .string($0) })
        put(.layerNormEps, layerNormEps.map { .double($0) })
        put(.attentionDropout, attentionDropout.map { .double($0) })
        put(.initializerRange, initializerRange.map { .double($0) })
        put(.initializerFactor, initializerFactor.map { .double($0) })
        put(.dtype, dtype.map { .string($0) })
        return .object(pairs)
    }
}
