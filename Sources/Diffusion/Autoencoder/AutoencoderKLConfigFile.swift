import Foundation

/// The `config.json` of a diffusers `AutoencoderKL` folder: `AutoencoderConfig` plus the fields
/// that t2i fixes (block types, activation, quant convs, mid-block attention).
///
/// Writing spells out every field `AutoencoderKL.__init__` takes (autoencoder_kl.py), in
/// diffusers' sorted-key layout. Reading requires the `AutoencoderConfig` fields and the block
/// types, takes diffusers' defaults for the other fixed fields, and rejects any value t2i does not
/// build (another class, block type, activation, or a model without quant convs or mid attention).
struct AutoencoderKLConfigFile: Codable {
    /// The diffusers version whose `AutoencoderKL` the t2i implementation was checked against.
    static let diffusersVersion = "0.42.1"
    static let downBlockType = "DownEncoderBlock2D"
    static let upBlockType = "UpDecoderBlock2D"

    var config: AutoencoderConfig

    init(config: AutoencoderConfig) {
        self.config = config
    }

    enum Keys: String, CodingKey {
        case className = "_class_name"
        case diffusersVersion = "_diffusers_version"
        case actFn = "act_fn"
        case downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types"
        case forceUpcast = "force_upcast"
        case latentsMean = "latents_mean"
        case latentsStd = "latents_std"
        case shiftFactor = "shift_factor"
        case midBlockAddAttention = "mid_block_add_attention"
        case useQuantConv = "use_quant_conv"
        case usePostQuantConv = "use_post_quant_conv"
    }

    init(from decoder: any Decoder) throws {
        config = try AutoencoderConfig(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        let blocks = config.blockOutChannels.count
        func expect<T: Decodable & Equatable>(_ key: Keys, _ expected: T, required: Bool, _ what: String) throws {
            guard let value = try c.decodeIfPresent(T.self, forKey: key) else {
                if required {
                    throw DecodingError.keyNotFound(key, .init(codingPath: c.codingPath, debugDescription: "missing"))
                }
                return  // absent: diffusers' default, which is what t2i builds
            }
            guard value == expected else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "t2i builds only \(what), found \(value)")
            }
        }
        if let name = try c.decodeIfPresent(String.self, forKey: .className), name != "AutoencoderKL" {
            throw DecodingError.dataCorruptedError(forKey: .className, in: c,
                                                   debugDescription: "this folder holds a \(name), not an AutoencoderKL")
        }
        try expect(.downBlockTypes, Array(repeating: Self.downBlockType, count: blocks), required: true,
                   "\(blocks) × \(Self.downBlockType) (one per block_out_channels entry)")
        try expect(.upBlockTypes, Array(repeating: Self.upBlockType, count: blocks), required: true,
                   "\(blocks) × \(Self.upBlockType) (one per block_out_channels entry)")
        try expect(.actFn, "silu", required: false, "act_fn \"silu\"")
        try expect(.midBlockAddAttention, true, required: false, "mid-block attention (true)")
        try expect(.useQuantConv, true, required: false, "quant_conv (true)")
        try expect(.usePostQuantConv, true, required: false, "post_quant_conv (true)")
    }

    func encode(to encoder: any Encoder) throws {
        // Every field as diffusers' save_pretrained writes it; JSONEncoder's .sortedKeys orders them.
        try config.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        let blocks = config.blockOutChannels.count
        try c.encode("AutoencoderKL", forKey: .className)
        try c.encode(Self.diffusersVersion, forKey: .diffusersVersion)
        try c.encode("silu", forKey: .actFn)
        try c.encode(Array(repeating: Self.downBlockType, count: blocks), forKey: .downBlockTypes)
        try c.encode(Array(repeating: Self.upBlockType, count: blocks), forKey: .upBlockTypes)
        try c.encode(true, forKey: .forceUpcast)
        try c.encodeNil(forKey: .latentsMean)
        try c.encodeNil(forKey: .latentsStd)
        try c.encodeNil(forKey: .shiftFactor)
        try c.encode(true, forKey: .midBlockAddAttention)
        try c.encode(true, forKey: .useQuantConv)
        try c.encode(true, forKey: .usePostQuantConv)
    }
}
