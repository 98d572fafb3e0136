import Foundation

extension AutoencoderKL {
    /// Checks that `config` describes a buildable model; throws a `ConfigError` naming the field.
    ///
    /// `source` names where the config came from (a run config, a `config.json` path).
    /// `keyPrefix` is prepended to key names ("vae." for a run config, "" for a diffusers config.json).
    public static func validate(_ config: AutoencoderConfig, source: String = "vae", keyPrefix: String = "") throws {
        func fail(_ key: String, _ message: String) -> ConfigError {
            ConfigError(source: source, key: keyPrefix + key, message)
        }
        guard config.inChannels > 0 else { throw fail("in_channels", "must be positive, got \(config.inChannels)") }
        guard config.outChannels > 0 else { throw fail("out_channels", "must be positive, got \(config.outChannels)") }
        guard config.latentChannels > 0 else {
            throw fail("latent_channels", "must be positive, got \(config.latentChannels)")
        }
        guard !config.blockOutChannels.isEmpty else { throw fail("block_out_channels", "needs at least one block") }
        guard config.normNumGroups > 0 else {
            throw fail("norm_num_groups", "must be positive, got \(config.normNumGroups)")
        }
        for width in config.blockOutChannels {
            guard width > 0 else { throw fail("block_out_channels", "channel counts must be positive, got \(config.blockOutChannels)") }
            // Every GroupNorm in the model normalises one of these widths with norm_num_groups groups.
            guard width % config.normNumGroups == 0 else {
                throw fail("norm_num_groups", "\(config.normNumGroups) groups do not divide \(width) channels (block_out_channels \(config.blockOutChannels))")
            }
        }
        // With no resnets a down block could not change the channel count before its downsampler.
        guard config.layersPerBlock >= 1 else {
            throw fail("layers_per_block", "must be at least 1, got \(config.layersPerBlock)")
        }
        guard config.scalingFactor.isFinite, config.scalingFactor > 0 else {
            throw fail("scaling_factor", "must be a positive number, got \(config.scalingFactor)")
        }
        guard config.sampleSize > 0 else { throw fail("sample_size", "must be positive, got \(config.sampleSize)") }
    }
}
