extension UNetConfig {
    /// Checks that this config describes a U-Net t2i can build; throws a `ConfigError` naming the key.
    ///
    /// `keyPrefix` is prepended to key names ("unet." for a run config, "" for a diffusers config.json).
    public func validate(source: String = "config", keyPrefix: String = "unet.") throws {
        func fail(_ key: String, _ message: String) -> ConfigError {
            ConfigError(source: source, key: keyPrefix + key, message)
        }
        let blocks = blockOutChannels.count
        guard blocks >= 1, blockOutChannels.allSatisfy({ $0 > 0 }) else {
            throw fail("block_out_channels", "needs at least one positive channel count, got \(blockOutChannels)")
        }
        guard downBlockTypes.count == blocks else {
            throw fail("down_block_types", "has \(downBlockTypes.count) entries for \(blocks) block_out_channels")
        }
        guard upBlockTypes.count == blocks else {
            throw fail("up_block_types", "has \(upBlockTypes.count) entries for \(blocks) block_out_channels")
        }
        if let other = downBlockTypes.first(where: { $0 != "CrossAttnDownBlock2D" }) {
            throw fail("down_block_types", "'\(other)' is not supported (t2i builds CrossAttnDownBlock2D only)")
        }
        if let other = upBlockTypes.first(where: { $0 != "CrossAttnUpBlock2D" }) {
            throw fail("up_block_types", "'\(other)' is not supported (t2i builds CrossAttnUpBlock2D only)")
        }
        guard inChannels > 0 else { throw fail("in_channels", "must be positive, got \(inChannels)") }
        guard outChannels > 0 else { throw fail("out_channels", "must be positive, got \(outChannels)") }
        guard layersPerBlock > 0 else { throw fail("layers_per_block", "must be positive, got \(layersPerBlock)") }
        guard crossAttentionDim > 0 else { throw fail("cross_attention_dim", "must be positive, got \(crossAttentionDim)") }
        guard attentionHeadDim > 0 else { throw fail("attention_head_dim", "must be positive, got \(attentionHeadDim)") }
        if let c = blockOutChannels.first(where: { $0 % attentionHeadDim != 0 }) {
            throw fail("attention_head_dim", "\(attentionHeadDim) heads do not divide \(c) channels")
        }
        guard normNumGroups > 0 else { throw fail("norm_num_groups", "must be positive, got \(normNumGroups)") }
        if let c = blockOutChannels.first(where: { $0 % normNumGroups != 0 }) {
            throw fail("norm_num_groups", "\(normNumGroups) groups do not divide \(c) channels")
        }
        let factor = 1 << (blocks - 1)
        guard sampleSize > 0, sampleSize % factor == 0 else {
            throw fail("sample_size", "must be a positive multiple of \(factor) (one halving per down block but the last), got \(sampleSize)")
        }
    }
}
