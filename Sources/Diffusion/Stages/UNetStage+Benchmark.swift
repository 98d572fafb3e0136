import TensorCore

extension UNetStage {
    /// A step benchmark of the config's U-Net (`t2i bench train-unet`, DESIGN §9): the training loss
    /// of the stage on a fixed random batch — latents (B, in_channels, sample_size, sample_size),
    /// text states (B, tokenizer.max_length, cross_attention_dim) with full key lengths, timesteps
    /// uniform in 0..<T — with fresh ε each step, x_t = addNoise(z₀, ε, t) and the ε-MSE loss.
    public static func benchmark(config: RunConfig, batchSize: Int) throws -> StepBenchmark<UNet2DConditionModel> {
        var g = Philox(seed: 1, stream: 40)
        let model = try UNet2DConditionModel(config: config.unet, generator: &g)
        let schedule = try NoiseSchedule(config.scheduler)
        let u = config.unet
        let latents = g.normal([batchSize, u.inChannels, u.sampleSize, u.sampleSize])
        let context = g.normal([batchSize, config.tokenizer.maxLength, u.crossAttentionDim])
        let timesteps = (0..<batchSize).map { _ in g.nextInt(below: schedule.trainSteps) }
        return StepBenchmark(model: model) { generator in
            let noise = generator.normal(latents.shape)
            let xt = schedule.addNoise(latents, noise: noise, timesteps: timesteps)
            let prediction = model(xt, timesteps: timesteps.map(Float.init), context: context)
            return DiffusionLoss.mse(prediction: prediction, target: noise, weights: nil)
        }
    }
}
