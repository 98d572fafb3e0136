import Datasets
import Imaging
import Tokenizers

extension RunConfig {
    /// Upper bounds on sizes a config may ask for, so that no single number allocates without
    /// bound (DESIGN §7); far above anything that trains on a CPU.
    public enum Limits {
        public static let width = 8192
        public static let layers = 64
        public static let sequence = 1024
        public static let vocabulary = 65_536
        public static let imageSize = 1024
        public static let batch = 4096
        public static let steps = 100_000_000
        public static let images = 10_000_000
    }

    /// Checks everything a stage would before it builds anything: positive and bounded sizes and
    /// counts, known names (data kind, tokenizer model, activations, sampler, schedule, prediction
    /// type), finite numbers in range, heads and groups that divide widths. Whether the modules fit
    /// one another (image size and sample size, text width and cross-attention, latent channels)
    /// is checked by the stage that joins them, against what earlier stages trained. Throws a
    /// `ConfigError` naming the key (section.key).
    public func validate(source: String) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(source: source, key: key, message) }
        func positive(_ key: String, _ value: Int, max limit: Int) throws {
            guard value >= 1, value <= limit else { throw fail(key, "must be between 1 and \(limit), got \(value)") }
        }
        func finite(_ key: String, _ value: Double, _ range: ClosedRange<Double>, _ what: String) throws {
            guard value.isFinite, range.contains(value) else { throw fail(key, "must be \(what), got \(value)") }
        }
        func divides(_ key: String, _ heads: Int, _ widthKey: String, _ width: Int) throws {
            guard width % heads == 0 else { throw fail(key, "\(heads) does not divide \(widthKey) \(width)") }
        }
        guard seed >= 0 else { throw fail("seed", "must be 0 or more, got \(seed)") }

        // data
        guard ["shapes", "folder"].contains(data.kind) else { throw fail("data.kind", "must be 'shapes' or 'folder', got '\(data.kind)'") }
        guard !data.path.isEmpty else { throw fail("data.path", "must name a folder") }
        try positive("data.count", data.count, max: Limits.images)
        try positive("data.size", data.size, max: Limits.imageSize)
        guard CropMode(rawValue: data.crop) != nil else {
            throw fail("data.crop", "must be \(CropMode.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")), got '\(data.crop)'")
        }
        guard ResampleFilter(rawValue: data.resizeFilter) != nil else {
            throw fail("data.resize_filter", "must be one of \(ResampleFilter.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")), got '\(data.resizeFilter)'")
        }
        guard !data.captionColumn.isEmpty else { throw fail("data.caption_column", "must name a key of metadata.jsonl") }
        try finite("data.two_object_fraction", data.twoObjectFraction, 0...1, "between 0 and 1")
        if !data.exclude.isEmpty {
            guard data.kind == "shapes" else { throw fail("data.exclude", "applies to generated shapes data only (data.kind is '\(data.kind)')") }
            for entry in data.exclude where ShapeCombination(parsing: entry) == nil {
                throw fail("data.exclude", "'\(entry)' is not a colour and a shape, e.g. 'green triangle' (colours: \(ShapeColour.allCases.map(\.word).joined(separator: ", ")); shapes: \(ShapeKind.allCases.map(\.word).joined(separator: ", ")))")
            }
            if let problem = ShapeCombination.problem(excluding: data.excludedCombinations, twoObjects: data.twoObjectFraction > 0) {
                throw fail("data.exclude", problem)
            }
        }
        guard (0..<1000).contains(data.validationPerMille) else {
            throw fail("data.validation_per_mille", "must be between 0 and 999, got \(data.validationPerMille)")
        }

        // tokenizer and text encoder
        guard TokenizerTrainingOptions.ModelType(rawValue: tokenizer.modelType) != nil else {
            throw fail("tokenizer.model_type", "must be 'unigram' or 'bpe', got '\(tokenizer.modelType)'")
        }
        try positive("tokenizer.vocab_size", tokenizer.vocabSize, max: Limits.vocabulary)
        guard tokenizer.vocabSize >= 8 else { throw fail("tokenizer.vocab_size", "must be at least 8 (4 special pieces and some text), got \(tokenizer.vocabSize)") }
        try positive("tokenizer.max_length", tokenizer.maxLength, max: Limits.sequence)
        for (prefix, hidden, intermediate, layers, heads, act, eps) in [
            ("text_encoder", textEncoder.hiddenSize, textEncoder.intermediateSize, textEncoder.numHiddenLayers,
             textEncoder.numAttentionHeads, textEncoder.hiddenAct, textEncoder.layerNormEps),
            ("vision_encoder", visionEncoder.hiddenSize, visionEncoder.intermediateSize, visionEncoder.numHiddenLayers,
             visionEncoder.numAttentionHeads, visionEncoder.hiddenAct, visionEncoder.layerNormEps),
        ] {
            try positive("\(prefix).hidden_size", hidden, max: Limits.width)
            try positive("\(prefix).intermediate_size", intermediate, max: Limits.width * 4)
            try positive("\(prefix).num_hidden_layers", layers, max: Limits.layers)
            try positive("\(prefix).num_attention_heads", heads, max: hidden)
            try divides("\(prefix).num_attention_heads", heads, "hidden_size", hidden)
            guard CLIPActivation(rawValue: act) != nil else {
                throw fail("\(prefix).hidden_act", "unknown activation '\(act)' (known: \(CLIPActivation.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            try finite("\(prefix).layer_norm_eps", eps, Double.leastNonzeroMagnitude...1, "a small positive number")
        }
        try positive("text_encoder.max_position_embeddings", textEncoder.maxPositionEmbeddings, max: Limits.sequence)
        try positive("vision_encoder.image_size", visionEncoder.imageSize, max: Limits.imageSize)
        try positive("vision_encoder.patch_size", visionEncoder.patchSize, max: visionEncoder.imageSize)
        guard visionEncoder.imageSize % visionEncoder.patchSize == 0 else {
            throw fail("vision_encoder.patch_size", "\(visionEncoder.patchSize) does not divide image_size \(visionEncoder.imageSize)")
        }
        guard visionEncoder.numChannels == 3 else { throw fail("vision_encoder.num_channels", "must be 3 (RGB), got \(visionEncoder.numChannels)") }
        try positive("clip.projection_dim", clip.projectionDim, max: Limits.width)
        try finite("clip.logit_scale_init_value", clip.logitScaleInitValue, -20...20, "a number between -20 and 20 (a log scale)")
        guard (0...16).contains(clip.hardNegatives) else {
            throw fail("clip.hard_negatives", "must be false, true or a number of negatives per caption from 0 to 16, got \(clip.hardNegatives)")
        }

        // autoencoder
        try AutoencoderKL.validate(vae, source: source, keyPrefix: "vae.")
        for c in vae.blockOutChannels { try positive("vae.block_out_channels", c, max: Limits.width) }
        guard vae.blockOutChannels.count <= 8 else { throw fail("vae.block_out_channels", "at most 8 blocks, got \(vae.blockOutChannels.count)") }
        try positive("vae.layers_per_block", vae.layersPerBlock, max: Limits.layers)
        try positive("vae.latent_channels", vae.latentChannels, max: Limits.width)
        try finite("vae_loss.l1_weight", vaeLoss.l1Weight, 0...1e6, "a finite number ≥ 0")
        try finite("vae_loss.mse_weight", vaeLoss.mseWeight, 0...1e6, "a finite number ≥ 0")
        try finite("vae_loss.kl_weight", vaeLoss.klWeight, 0...1e6, "a finite number ≥ 0")

        // U-Net and diffusion
        try unet.validate(source: source)
        for c in unet.blockOutChannels { try positive("unet.block_out_channels", c, max: Limits.width) }
        guard unet.blockOutChannels.count <= 8 else { throw fail("unet.block_out_channels", "at most 8 blocks, got \(unet.blockOutChannels.count)") }
        try positive("unet.layers_per_block", unet.layersPerBlock, max: Limits.layers)
        try positive("unet.cross_attention_dim", unet.crossAttentionDim, max: Limits.width)
        let schedule = try NoiseSchedule(scheduler, source: source)
        _ = try PredictionType(scheduler, source: source)
        try finite("diffusion.caption_dropout", diffusion.captionDropout, 0...1, "between 0 and 1")
        try finite("diffusion.ema_decay", diffusion.emaDecay, 0...1, "between 0 and 1")
        try finite("diffusion.min_snr_gamma", diffusion.minSNRGamma, 0...1e6, "a finite number ≥ 0 (0 turns it off)")
        guard (0...textEncoder.numHiddenLayers).contains(diffusion.clipSkip) else {
            let hint = diffusion.clipSkip == DiffusionTrainingConfig().clipSkip ? " (the default, meant for the default \(RunConfig().textEncoder.numHiddenLayers)-layer encoder: set it for this one)" : ""
            throw fail("diffusion.clip_skip", "must be between 0 and text_encoder.num_hidden_layers (\(textEncoder.numHiddenLayers)), got \(diffusion.clipSkip)\(hint)")
        }

        // training
        for (prefix, t) in [("encoder_training", encoderTraining), ("vae_training", vaeTraining), ("unet_training", unetTraining)] {
            try positive("\(prefix).batch_size", t.batchSize, max: Limits.batch)
            guard t.microBatchSize == 0 || (1...t.batchSize).contains(t.microBatchSize) && t.batchSize % t.microBatchSize == 0 else {
                throw fail("\(prefix).micro_batch_size", "must be 0 (the whole batch) or a divisor of batch_size \(t.batchSize), got \(t.microBatchSize)")
            }
            try positive("\(prefix).steps", t.steps, max: Limits.steps)
            try finite("\(prefix).learning_rate", t.learningRate, Double.leastNonzeroMagnitude...10, "a positive number ≤ 10")
            guard (0...Limits.steps).contains(t.warmupSteps) else { throw fail("\(prefix).warmup_steps", "must be between 0 and \(Limits.steps), got \(t.warmupSteps)") }
            try finite("\(prefix).weight_decay", t.weightDecay, 0...10, "a finite number ≥ 0")
            try finite("\(prefix).grad_clip", t.gradClip, 0...1e9, "a finite number ≥ 0 (0 turns clipping off)")
            guard t.logEvery >= 1 else { throw fail("\(prefix).log_every", "must be at least 1, got \(t.logEvery)") }
            guard t.checkpointEvery >= 1 else { throw fail("\(prefix).checkpoint_every", "must be at least 1, got \(t.checkpointEvery)") }
            guard t.previewEvery >= 0 else { throw fail("\(prefix).preview_every", "must be 0 (off) or more, got \(t.previewEvery)") }
        }

        // sampling
        _ = try SamplerKind(name: sampling.sampler, source: source)
        guard (1...schedule.trainSteps).contains(sampling.steps) else {
            throw fail("sampling.steps", "must be between 1 and \(schedule.trainSteps) (the training timesteps), got \(sampling.steps)")
        }
        try finite("sampling.guidance", sampling.guidance, -1e4...1e4, "a finite number (1 turns guidance off)")
        try finite("sampling.eta", sampling.eta, 0...1e4, "a finite number ≥ 0")
        guard sampling.previewSeed >= 0 else { throw fail("sampling.preview_seed", "must be 0 or more, got \(sampling.previewSeed)") }
    }

    /// The checks that join the stages (what the U-Net stage checks before it trains): the U-Net
    /// works on the autoencoder's latents, so `unet.sample_size` is `data.size` halved once per
    /// autoencoder block but the last. `t2i config validate` runs these too; a config that trains
    /// only the text encoder need not pass them.
    public func validatePipeline(source: String) throws {
        let factor = 1 << max(vae.blockOutChannels.count - 1, 0)
        guard data.size % factor == 0, unet.sampleSize == data.size / factor else {
            throw ConfigError(source: source, key: "unet.sample_size",
                              "must be the latent size, data.size \(data.size) / \(factor) (one halving per vae block but the last)"
                              + (data.size % factor == 0 ? " = \(data.size / factor)" : ", which is not whole") + ", got \(unet.sampleSize)")
        }
    }
}
