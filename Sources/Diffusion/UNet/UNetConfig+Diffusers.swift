import Foundation

// diffusers `config.json` of a UNet2DConditionModel folder: written in full from a `UNetConfig`,
// read back strictly (every field t2i does not implement must hold the value t2i implements).

extension UNetConfig {
    /// The diffusers release whose `UNet2DConditionModel` this implementation was checked against.
    public static let diffusersVersion = "0.42.1"

    /// Fields of diffusers' `UNet2DConditionModel.__init__` that t2i implements with one fixed value:
    /// diffusers' default in every case, so a config that leaves them out means the same.
    static let fixedDiffusersFields: [(key: String, value: UNetConfigValue)] = [
        ("center_input_sample", .bool(false)),
        ("mid_block_type", .string("UNetMidBlock2DCrossAttn")),
        ("only_cross_attention", .bool(false)),
        ("downsample_padding", .int(1)),
        ("mid_block_scale_factor", .int(1)),
        ("dropout", .double(0)),
        ("act_fn", .string("silu")),
        ("norm_eps", .double(1e-5)),
        ("transformer_layers_per_block", .int(1)),
        ("reverse_transformer_layers_per_block", .null),
        ("encoder_hid_dim", .null),
        ("encoder_hid_dim_type", .null),
        ("num_attention_heads", .null),
        ("dual_cross_attention", .bool(false)),
        ("class_embed_type", .null),
        ("addition_embed_type", .null),
        ("addition_time_embed_dim", .null),
        ("num_class_embeds", .null),
        ("resnet_time_scale_shift", .string("default")),
        ("resnet_skip_time_act", .bool(false)),
        ("resnet_out_scale_factor", .double(1)),
        ("time_embedding_type", .string("positional")),
        ("time_embedding_dim", .null),
        ("time_embedding_act_fn", .null),
        ("timestep_post_act", .null),
        ("time_cond_proj_dim", .null),
        ("conv_in_kernel", .int(3)),
        ("conv_out_kernel", .int(3)),
        ("projection_class_embeddings_input_dim", .null),
        ("attention_type", .string("default")),
        ("class_embeddings_concat", .bool(false)),
        ("mid_block_only_cross_attention", .null),
        ("cross_attention_norm", .null),
        ("addition_embed_type_num_heads", .int(64)),
    ]

    /// Fields read but free: `upcast_attention` only changes half-precision arithmetic (all of t2i is Float32).
    static let ignoredDiffusersFields: Set<String> = ["upcast_attention"]

    /// Every field, as diffusers' `save_config` writes it, keyed by diffusers' name.
    func diffusersConfigValues() -> [String: UNetConfigValue] {
        var values: [String: UNetConfigValue] = [
            "_class_name": .string("UNet2DConditionModel"),
            "_diffusers_version": .string(Self.diffusersVersion),
            "sample_size": .int(sampleSize),
            "in_channels": .int(inChannels),
            "out_channels": .int(outChannels),
            "flip_sin_to_cos": .bool(flipSinToCos),
            "freq_shift": .int(freqShift),
            "down_block_types": .array(downBlockTypes.map { .string($0) }),
            "up_block_types": .array(upBlockTypes.map { .string($0) }),
            "block_out_channels": .array(blockOutChannels.map { .int($0) }),
            "layers_per_block": .int(layersPerBlock),
            "cross_attention_dim": .int(crossAttentionDim),
            "attention_head_dim": .int(attentionHeadDim),
            "norm_num_groups": .int(normNumGroups),
            "use_linear_projection": .bool(useLinearProjection),
            "upcast_attention": .bool(false),
        ]
        for (key, value) in Self.fixedDiffusersFields { values[key] = value }
        return values
    }

    /// The `config.json` text of a diffusers `UNet2DConditionModel` folder (sorted keys, indented).
    public func diffusersConfigJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(diffusersConfigValues())
    }

    /// Reads a diffusers `UNet2DConditionModel` `config.json`; `source` (its path) names it in errors.
    ///
    /// Unknown keys, fields t2i does not implement with a non-default value, and values of the wrong
    /// type are errors naming the key. Missing fields take diffusers' defaults.
    public init(diffusersConfigJSON data: Data, source: String) throws {
        let values: [String: UNetConfigValue]
        do {
            values = try JSONDecoder().decode([String: UNetConfigValue].self, from: data)
        } catch {
            throw ConfigError(source: source, key: nil, "not a JSON object of config fields")
        }
        if let name = values["_class_name"], name != .string("UNet2DConditionModel") {
            throw ConfigError(source: source, key: "_class_name", "is \(name.text); expected \"UNet2DConditionModel\"")
        }
        let variable: Set<String> = [
            "sample_size", "in_channels", "out_channels", "flip_sin_to_cos", "freq_shift", "down_block_types",
            "up_block_types", "block_out_channels", "layers_per_block", "cross_attention_dim", "attention_head_dim",
            "norm_num_groups", "use_linear_projection",
        ]
        let fixed = Dictionary(uniqueKeysWithValues: Self.fixedDiffusersFields.map { ($0.key, $0.value) })
        for key in values.keys.sorted() where !key.hasPrefix("_") {
            guard variable.contains(key) || fixed[key] != nil || Self.ignoredDiffusersFields.contains(key) else {
                throw ConfigError(source: source, key: key, "unknown UNet2DConditionModel field")
            }
        }
        for (key, expected) in Self.fixedDiffusersFields {
            guard let value = values[key] else { continue }
            if !Self.sameValue(value, expected) {
                throw ConfigError(source: source, key: key, "is \(value.text); t2i implements only \(expected.text)")
            }
        }
        func read<T>(_ key: String, _ kind: String, _ convert: (UNetConfigValue) -> T?) throws -> T? {
            guard let value = values[key] else { return nil }
            guard let converted = convert(value) else { throw ConfigError(source: source, key: key, "expected \(kind), got \(value.text)") }
            return converted
        }
        func uniformInt(_ value: UNetConfigValue) -> Int? {
            // diffusers accepts one value or one per block; t2i needs them all equal.
            if let int = value.intValue { return int }
            if case .array(let items) = value, let first = items.first?.intValue,
               items.allSatisfy({ $0.intValue == first }) { return first }
            return nil
        }
        func strings(_ value: UNetConfigValue) -> [String]? {
            guard case .array(let items) = value else { return nil }
            let list = items.compactMap { item -> String? in if case .string(let s) = item { s } else { nil } }
            return list.count == items.count ? list : nil
        }
        func ints(_ value: UNetConfigValue) -> [Int]? {
            guard case .array(let items) = value else { return nil }
            let list = items.compactMap(\.intValue)
            return list.count == items.count ? list : nil
        }
        func bool(_ value: UNetConfigValue) -> Bool? { if case .bool(let b) = value { b } else { nil } }

        // Defaults where a key is absent are diffusers' (unet_2d_condition.py `__init__`).
        self.init()
        guard let size = try read("sample_size", "an integer", \.intValue) else {
            throw ConfigError(source: source, key: "sample_size", "missing (t2i needs the latent size)")
        }
        sampleSize = size
        inChannels = try read("in_channels", "an integer", \.intValue) ?? 4
        outChannels = try read("out_channels", "an integer", \.intValue) ?? 4
        flipSinToCos = try read("flip_sin_to_cos", "true or false", bool) ?? true
        freqShift = try read("freq_shift", "an integer", \.intValue) ?? 0
        downBlockTypes = try read("down_block_types", "a list of strings", strings)
            ?? ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
        upBlockTypes = try read("up_block_types", "a list of strings", strings)
            ?? ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        blockOutChannels = try read("block_out_channels", "a list of integers", ints) ?? [320, 640, 1280, 1280]
        layersPerBlock = try read("layers_per_block", "an integer (or equal integers per block)", uniformInt) ?? 2
        crossAttentionDim = try read("cross_attention_dim", "an integer (or equal integers per block)", uniformInt) ?? 1280
        attentionHeadDim = try read("attention_head_dim", "an integer (or equal integers per block)", uniformInt) ?? 8
        normNumGroups = try read("norm_num_groups", "an integer", \.intValue) ?? 32
        useLinearProjection = try read("use_linear_projection", "true or false", bool) ?? false
        try validate(source: source, keyPrefix: "")
    }

    /// Equal as JSON values, with numbers compared by value (1 == 1.0) and a per-block list of one
    /// repeated value equal to that value.
    static func sameValue(_ a: UNetConfigValue, _ b: UNetConfigValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        if case .array(let items) = a, !items.isEmpty, b.doubleValue != nil {
            return items.allSatisfy { sameValue($0, b) }
        }
        return a == b
    }
}
