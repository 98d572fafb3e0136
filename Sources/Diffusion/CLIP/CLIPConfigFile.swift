/// The JSON of a transformers `CLIPConfig` (a `CLIPModel` folder's `config.json`): the contrastive
/// head's fields and the two towers' configs, a missing field taking transformers' default.
struct CLIPConfigFile: Decodable, Equatable {
    var architectures: [String]?
    var modelType: String?
    var projectionDim: Int?
    var logitScaleInitValue: Double?
    var initializerFactor: Double?
    var textConfig: CLIPTextConfigFile?
    var visionConfig: CLIPVisionConfigFile?
    var dtype: String?

    enum CodingKeys: String, CodingKey {
        case architectures, dtype
        case modelType = "model_type"
        case projectionDim = "projection_dim"
        case logitScaleInitValue = "logit_scale_init_value"
        case initializerFactor = "initializer_factor"
        case textConfig = "text_config"
        case visionConfig = "vision_config"
    }

    /// transformers' `model_type` for the full model.
    static let modelType = "clip"

    /// No fields: every value takes transformers' default.
    init() {}

    /// The fields of `model`'s configuration.
    init(_ model: CLIPModel) {
        architectures = ["CLIPModel"]
        modelType = Self.modelType
        projectionDim = model.config.projectionDim
        logitScaleInitValue = model.config.logitScaleInitValue
        initializerFactor = CLIPInitialization.factor
        textConfig = CLIPTextConfigFile(model.textModel.config, vocabularySize: model.textModel.vocabularySize,
                                        tokens: model.textModel.tokens, projectionDim: model.config.projectionDim, standalone: false)
        visionConfig = CLIPVisionConfigFile(model.visionModel.config, projectionDim: model.config.projectionDim, standalone: false)
        dtype = "float32"
    }

    /// The head's config with transformers' `CLIPConfig` defaults for missing fields.
    func resolved() -> CLIPConfig {
        var c = CLIPConfig()
        c.projectionDim = projectionDim ?? 512
        c.logitScaleInitValue = logitScaleInitValue ?? 2.6592
        return c
    }

    /// The fields present, as a JSON object.
    var json: CLIPJSONValue {
        var pairs: [(String, CLIPJSONValue)] = []
        func put(_ key: CodingKeys, _ value: CLIPJSONValue?) { if let value { pairs.append((key.rawValue, value)) } }
        put(.architectures, architectures.map { .array($0.map { .string($0) }) })
        put(.modelType, modelType.map { .string($0) })
        put(.projectionDim, projectionDim.map { .int($0) })
        put(.logitScaleInitValue, logitScaleInitValue.map { .double($0) })
        put(.initializerFactor, initializerFactor.map { .double($0) })
        put(.textConfig, textConfig?.json)
        put(.visionConfig, visionConfig?.json)
        put(.dtype, dtype.map { .string($0) })
        return .object(pairs)
    }
}
