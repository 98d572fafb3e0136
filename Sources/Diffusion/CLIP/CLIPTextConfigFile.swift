/// The JSON of a transformers `CLIPTextConfig` (a text encoder's `config.json`, or `text_config`
/// inside a `CLIPModel`'s): every field optional, a missing one taking transformers' default.
struct CLIPTextConfigFile: Decodable, Equatable {
    var architectures: [String]?
    var modelType: String?
    var vocabSize: Int?
    var hiddenSize: Int?
    var intermediateSize: Int?
    var projectionDim: Int?
    var numHiddenLayers: Int?
    var numAttentionHeads: Int?
    var maxPositionEmbeddings: Int?
    var hiddenAct: String?
    var layerNormEps: Double?
    var attentionDropout: Double?
    var initializerRange: Double?
    var initializerFactor: Double?
    var padTokenId: Int?
    var bosTokenId: Int?
    var eosTokenId: Int?
    var dtype: String?
    /// Read by diffusers' StableDiffusionPipeline (`encode_prompt`): true makes it pass the
    /// tokenizer's attention mask to the text encoder, as t2i does when it trains and generates.
    var useAttentionMask: Bool?

    enum CodingKeys: String, CodingKey {
        case architectures, dtype
        case modelType = "model_type"
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case projectionDim = "projection_dim"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
        case attentionDropout = "attention_dropout"
        case initializerRange = "initializer_range"
        case initializerFactor = "initializer_factor"
        case padTokenId = "pad_token_id"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
        case useAttentionMask = "use_attention_mask"
    }

    /// transformers' `model_type` for a text config.
    static let modelType = "clip_text_model"

    /// No fields: every value takes transformers' default.
    init() {}

    /// The fields for `config`; `standalone` adds what a `CLIPTextModel` folder's own config has.
    init(_ config: CLIPTextConfig, vocabularySize: Int, tokens: CLIPTokenIDs, projectionDim: Int?, standalone: Bool) {
        architectures = standalone ? ["CLIPTextModel"] : nil
        modelType = Self.modelType
        vocabSize = vocabularySize
        hiddenSize = config.hiddenSize
        intermediateSize = config.intermediateSize
        self.projectionDim = projectionDim
        numHiddenLayers = config.numHiddenLayers
        numAttentionHeads = config.numAttentionHeads
        maxPositionEmbeddings = config.maxPositionEmbeddings
        hiddenAct = config.hiddenAct
        layerNormEps = config.layerNormEps
        attentionDropout = 0
        initializerRange = CLIPInitialization.range
        initializerFactor = CLIPInitialization.factor
        padTokenId = tokens.pad
        bosTokenId = tokens.bos
        eosTokenId = tokens.eos
        dtype = standalone ? "float32" : nil
        useAttentionMask = standalone ? true : nil
    }

    /// The config with transformers' `CLIPTextConfig` defaults for missing fields
    /// (configuration_clip.py).
    func resolved() -> (config: CLIPTextConfig, vocabularySize: Int, tokens: CLIPTokenIDs) {
        var c = CLIPTextConfig()
        c.hiddenSize = hiddenSize ?? 512
        c.intermediateSize = intermediateSize ?? 2048
        c.numHiddenLayers = numHiddenLayers ?? 12
        c.numAttentionHeads = numAttentionHeads ?? 8
        c.maxPositionEmbeddings = maxPositionEmbeddings ?? 77
        c.hiddenAct = hiddenAct ?? "quick_gelu"
        c.layerNormEps = layerNormEps ?? 1e-5
        let tokens = CLIPTokenIDs(pad: padTokenId ?? 1, bos: bosTokenId ?? 49406, eos: eosTokenId ?? 49407)
        return (c, vocabSize ?? 49408, tokens)
    }

    /// The fields present, as a JSON object.
    var json: CLIPJSONValue {
        var pairs: [(String, CLIPJSONValue)] = []
        func put(_ key: CodingKeys, _ value: CLIPJSONValue?) { if let value { pairs.append((key.rawValue, value)) } }
        put(.architectures, architectures.map { .array($0.map { .string($0) }) })
        put(.modelType, modelType.map { .string($0) })
        put(.vocabSize, vocabSize.map { .int($0) })
        put(.hiddenSize, hiddenSize.map { .int($0) })
        put(.intermediateSize, intermediateSize.map { .int($0) })
        put(.projectionDim, projectionDim.map { .int($0) })
        put(.numHiddenLayers, numHiddenLayers.map { .int($0) })
        put(.numAttentionHeads, numAttentionHeads.map { .int($0) })
        put(.maxPositionEmbeddings, maxPositionEmbeddings.map { .int($0) })
        put(.hiddenAct, hiddenAct.map { .string($0) })
        put(.layerNormEps, layerNormEps.map { .double($0) })
        put(.attentionDropout, attentionDropout.map { .double($0) })
        put(.initializerRange, initializerRange.map { .double($0) })
        put(.initializerFactor, initializerFactor.map { .double($0) })
        put(.padTokenId, padTokenId.map { .int($0) })
        put(.bosTokenId, bosTokenId.map { .int($0) })
        put(.eosTokenId, eosTokenId.map { .int($0) })
        put(.dtype, dtype.map { .string($0) })
        put(.useAttentionMask, useAttentionMask.map { .bool($0) })
        return .object(pairs)
    }
}
