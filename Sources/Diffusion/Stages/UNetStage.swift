import Foundation
import TensorCore
import NN
import Imaging
import Tokenizers
import Datasets
import Distributed

/// Stage 3 (DESIGN §4): the text-conditioned noise-prediction U-Net on the autoencoder's latents.
///
/// The frozen parts are run once up front: every training image's posterior (mean, std) and every
/// distinct caption's text-encoder states are cached, so a step costs only the U-Net. Each step
/// samples z ~ q(z|x)·scaling_factor, t ~ U{0…T−1} and ε, drops captions with probability
/// `caption_dropout` (for classifier-free guidance, Ho & Salimans 2022), and regresses the
/// prediction-type target with the "simple" MSE loss (Ho et al. 2020, eq. 14), optionally min-SNR-γ
/// weighted. Samples and the saved `unet/` use the EMA weights.
public enum UNetStage {
    /// The stage's name: `logs/unet.jsonl`, `state/unet.safetensors`.
    public static let name = "unet"

    /// Checks that the run holds what this stage needs and that it fits `config.unet`.
    public static func checkPrerequisites(config: RunConfig, run: RunFolder) throws {
        let needs: [(URL, String, String)] = [
            (run.tokenizerModel, "tokenizer", "train-encoder"),
            (run.textEncoder.appendingPathComponent("config.json"), "text encoder", "train-encoder"),
            (run.vae.appendingPathComponent("config.json"), "autoencoder", "train-ae"),
        ]
        for (url, part, command) in needs where !FileManager.default.fileExists(atPath: url.path) {
            throw TrainingError("\(run.url.path): no trained \(part) (\(url.path) is missing); run t2i \(command) --run \(run.url.path) first")
        }
    }

    /// Refuses a U-Net config that does not fit the trained text encoder and autoencoder.
    static func checkFit(config: RunConfig, textEncoder: CLIPTextModel, vae: AutoencoderKL, run: RunFolder) throws {
        let source = run.configFile.path
        let width = textEncoder.textModel.config.hiddenSize
        guard config.unet.crossAttentionDim == width else {
            throw ConfigError(source: source, key: "unet.cross_attention_dim",
                              "is \(config.unet.crossAttentionDim) but the run's text encoder has width \(width)")
        }
        let latent = vae.config.latentChannels
        guard config.unet.inChannels == latent, config.unet.outChannels == latent else {
            throw ConfigError(source: source, key: "unet.in_channels",
                              "in/out channels are \(config.unet.inChannels)/\(config.unet.outChannels) but the run's autoencoder has \(latent) latent channels")
        }
        let side = vae.config.sampleSize / vae.downsamplingFactor
        guard config.unet.sampleSize == side else {
            throw ConfigError(source: source, key: "unet.sample_size",
                              "is \(config.unet.sampleSize) but the run's autoencoder makes \(side)×\(side) latents")
        }
    }

    /// Trains (or resumes) the U-Net of `run`; writes `unet/`, `scheduler/` and `model_index.json`
    /// (rank 0 of `group` alone writes). Returns false when interrupted.
    public static func train(config: RunConfig, run: RunFolder, resume: Bool, interrupt: InterruptFlag,
                             observer: (any TrainingObserver)?, group: any ProcessGroup = SingleProcess()) throws -> Bool {
        try checkPrerequisites(config: config, run: run)
        try config.validatePipeline(source: run.configFile.path)
        let tokenizer = try SentencePieceTokenizer(contentsOf: run.tokenizerModel)
        let textEncoder = try CLIPTextModel.load(from: run.textEncoder)
        let vae = try AutoencoderKL(contentsOf: run.vae)
        try checkFit(config: config, textEncoder: textEncoder, vae: vae, run: run)
        let schedule = try NoiseSchedule(config.scheduler, source: run.configFile.path)
        let predictionType = try PredictionType(config.scheduler, source: run.configFile.path)
        let data = try group.writerFirst { try RunData(config: config, note: { observer?.note($0) }, shouldStop: { interrupt.isRaised }) }

        observer?.note("caching latents of \(data.dataset.count) images and states of their captions")
        let latents = try LatentCache(vae: vae, dataset: data.dataset, shouldStop: { interrupt.isRaised })
        let texts = try TextStateCache(tokenizer: tokenizer, textEncoder: textEncoder,
                                       captions: data.dataset.captionTexts + [""], maxLength: textEncoder.textModel.config.maxPositionEmbeddings,
                                       skip: config.diffusion.clipSkip,
                                       shouldStop: { interrupt.isRaised })

        // Weights, flat copy, gradients, two AdamW moments, EMA shadow and EMA model.
        try ModelSize.checkFits(parameters: ModelSize.unetParameters(config.unet), copies: 7, model: "a U-Net",
                                source: run.configFile.path, key: "unet")
        var initGenerator = Philox(seed: UInt64(config.seed), stream: 40)
        let unet = try UNet2DConditionModel(config: config.unet, generator: &initGenerator)
        // Latents are cached per image (its centre crop), so the U-Net sees neither random crops nor flips.
        let loader = try data.trainingLoader(batchSize: config.unetTraining.batchSize, seed: config.seed, flip: false, centreOnly: true)
        // A second U-Net holding the EMA weights, for previews and the saved model.
        var emaGenerator = Philox(seed: 0)
        let emaUNet = try UNet2DConditionModel(config: config.unet, generator: &emaGenerator)
        let emaLayout = ParameterLayout(emaUNet)
        let preview = try TextToImagePipeline(tokenizer: tokenizer, textEncoder: textEncoder, vae: vae, unet: emaUNet,
                                              scheduler: config.scheduler, clipSkip: config.diffusion.clipSkip)

        // Settings checked: record them with the run, and put the run back as it was if training
        // is refused before its first step (an unreadable checkpoint, a batch that cannot fit).
        let snapshot = FileSnapshot([run.configFile, run.logs.appendingPathComponent("\(name).jsonl")])
        if group.isWriter { try run.writeConfig(config) }
        let trainer: StageTrainer<UNet2DConditionModel>
        do {
            trainer = try StageTrainer(model: unet, stage: name, config: config.unetTraining, loader: loader,
                                       seed: UInt64(config.seed), emaDecay: config.diffusion.emaDecay, runFolder: run.url, resume: resume,
                                       group: group)
        } catch {
            if group.isWriter { snapshot.restore() }
            throw error
        }
        let startStep = trainer.step
        if trainer.step > 0 { observer?.note("resuming the U-Net at step \(trainer.step) of \(config.unetTraining.steps)") }
        func loadEMA() {
            guard let ema = trainer.ema else { return }
            for (e, t) in zip(emaLayout.entries, trainer.layout.entries) {
                e.parameter.value = ema.shadow.tensor(offset: t.offset, shape: t.parameter.shape)
            }
        }
        let dropout = Float(config.diffusion.captionDropout)
        let gamma = Float(config.diffusion.minSNRGamma)
        let emptyCaption = data.dataset.captionTexts.count
        let outcome: StageTrainer<UNet2DConditionModel>.Outcome
        do {
            outcome = try trainer.run(interrupt: interrupt, observer: observer, loss: { batch, random in
                // Each sample's draws come from its own generator (keyed by its place in the batch).
                let z0 = latents.sample(batch.indices, noise: random.normal(shape: [batch.count] + latents.shape))
                let noise = random.normal(shape: z0.shape)
                let timesteps = random.integers(below: schedule.trainSteps)
                // Caption dropout: the empty prompt stands for "no condition".
                let u = random.uniform()
                let captionRows = zip(batch.captionRows, u).map { $1 < dropout ? emptyCaption : $0 }
                let (context, lengths) = texts.states(captionRows)
                let xt = schedule.addNoise(z0, noise: noise, timesteps: timesteps)
                let target = schedule.trainingTarget(predictionType, sample: z0, noise: noise, timesteps: timesteps)
                let prediction = unet(xt, timesteps: timesteps.map(Float.init), context: context, contextLengths: lengths)
                let weights = gamma > 0 ? schedule.minSNRWeights(timesteps, gamma: gamma, predictionType: predictionType) : nil
                return DiffusionLoss.mse(prediction: prediction, target: target, weights: weights)
            }, preview: { step in
                loadEMA()
                try writePreview(pipeline: preview, config: config,
                                 to: run.previews.appendingPathComponent(String(format: "unet-step%06d.png", step)))
            })
        } catch {
            if trainer.step == startStep, group.isWriter { snapshot.restore() }
            throw error
        }
        guard outcome == .finished else { return false }
        guard group.isWriter else { return true }
        loadEMA()
        try emaUNet.save(to: run.unet, tokenizerDigest: SHA256.hex(tokenizer.modelBytes), clipSkip: config.diffusion.clipSkip)
        try SchedulerFolder.write(config.scheduler, to: run.scheduler)
        try run.writeModelIndex()
        return true
    }

    /// One row per preview prompt, `previewColumns` seeds each, 25 DDIM steps with the run's guidance.
    public static let previewColumns = 4

    static func writePreview(pipeline: TextToImagePipeline, config: RunConfig, to url: URL) throws {
        var settings = GenerationRequest(prompt: "")
        settings.seed = UInt64(config.sampling.previewSeed)
        settings.steps = min(config.sampling.steps, 25)
        settings.sampler = "ddim"
        settings.guidance = Float(config.sampling.guidance)
        let grid = try pipeline.promptGrid(config.sampling.previewPrompts, settings: settings, columns: previewColumns)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try grid.writePNG(to: url)
    }
}

extension TextToImagePipeline {
    /// One row per prompt, `columns` images each (seeds settings.seed, +1, …), with the sampler
    /// settings of `settings` (its prompt and count are ignored): preview and quickstart grids.
    public func promptGrid(_ prompts: [String], settings: GenerationRequest, columns: Int) throws -> Image {
        var images: [Image] = []
        for prompt in prompts {
            var request = settings
            request.prompt = prompt
            request.count = columns
            images += try Image.images(fromBatch: generate(request))
        }
        return try Image.grid(images, columns: columns, padding: 2)
    }
}
