import Foundation
import TensorCore
import NN
import Tokenizers

/// Prompt → image: tokenizer and text encoder → latents denoised by the U-Net with a sampler and
/// classifier-free guidance → autoencoder decode (DESIGN §4). Nothing is recorded for gradients.
public final class TextToImagePipeline {
    public let tokenizer: SentencePieceTokenizer
    public let textEncoder: CLIPTextModel
    public let vae: AutoencoderKL
    public let unet: UNet2DConditionModel
    public let scheduler: SchedulerConfig
    public let schedule: NoiseSchedule
    public let predictionType: PredictionType
    /// Token sequence length the text encoder was trained with.
    public let maxLength: Int
    /// The text encoder's last layers left out of the U-Net's context (`diffusion.clip_skip`, the
    /// value the U-Net was trained with).
    public let clipSkip: Int

    /// A pipeline of already-built parts (e.g. the U-Net being trained, for preview grids).
    /// `clipSkip` nil takes the value the U-Net's weights record (`trainedClipSkip`).
    ///
    /// - Throws: `PipelineMismatchError` when the parts do not fit together (see
    ///   `PipelineCompatibility`), naming them by `names`.
    public init(tokenizer: SentencePieceTokenizer, textEncoder: CLIPTextModel, vae: AutoencoderKL,
                unet: UNet2DConditionModel, scheduler: SchedulerConfig, clipSkip: Int? = nil,
                names: PipelineCompatibility.Names = PipelineCompatibility.Names()) throws {
        let clipSkip = clipSkip ?? unet.trainedClipSkip
        let layers = textEncoder.textModel.config.numHiddenLayers
        guard (0...layers).contains(clipSkip) else {
            throw PipelineMismatchError("\(names.unetWeights) was trained with clip skip \(clipSkip), more layers than \(names.textEncoder) has (\(layers))")
        }
        if let problem = PipelineCompatibility.problem(tokenizer: tokenizer, textEncoder: textEncoder, vae: vae, unet: unet, names: names) {
            throw PipelineMismatchError(problem)
        }
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.vae = vae
        self.unet = unet
        self.scheduler = scheduler
        schedule = try NoiseSchedule(scheduler)
        predictionType = try PredictionType(scheduler)
        maxLength = textEncoder.textModel.config.maxPositionEmbeddings
        self.clipSkip = clipSkip
    }

    /// The pipeline folder of a run (or a shipped model): `tokenizer/`, `text_encoder/`, `vae/`,
    /// `unet/`, `scheduler/`.
    public convenience init(folder: RunFolder) throws {
        for (part, url) in [("tokenizer", folder.tokenizerModel), ("text encoder", folder.textEncoder.appendingPathComponent("config.json")),
                            ("autoencoder", folder.vae.appendingPathComponent("config.json")),
                            ("U-Net", folder.unet.appendingPathComponent("config.json"))] {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw TrainingError("\(url.path): missing; \(folder.url.path) has no trained \(part)")
            }
        }
        try self.init(tokenizer: SentencePieceTokenizer(contentsOf: folder.tokenizerModel),
                      textEncoder: CLIPTextModel.load(from: folder.textEncoder),
                      vae: AutoencoderKL(contentsOf: folder.vae),
                      unet: UNet2DConditionModel(contentsOf: folder.unet),
                      scheduler: SchedulerFolder.read(from: folder.scheduler),
                      names: PipelineCompatibility.Names(folder: folder))
    }

    /// Text-encoder hidden states (B, L, D) and key lengths for `prompts`.
    public func encode(prompts: [String]) throws -> (hidden: Tensor, lengths: [Int]) {
        var ids: [Int32] = []
        for p in prompts { ids += try tokenizer.encode(p, maxLength: maxLength) }
        let lengths = textEncoder.textModel.keyLengths(ids: ids, batch: prompts.count, length: maxLength)
        let hidden = textEncoder.encode(ids: ids, batch: prompts.count, length: maxLength, keyLengths: lengths,
                                        skip: clipSkip).lastHiddenState
        return (hidden, lengths)
    }

    /// The side of the images this pipeline makes: the U-Net's latent side times the autoencoder's
    /// downsampling factor.
    public var imageSize: Int { denoiser.imageSize }

    /// Generates `request.count` images as a (B, 3, H, W) tensor in [-1, 1]. `progress` hears each
    /// step; `trajectory` receives the predicted clean image x̂₀ (decoded) after every
    /// `trajectoryEvery`-th step and after the last (decoding costs time, so ask only for the
    /// frames you keep). With `request.initial` the init image (and mask) are read from their files
    /// and the generation is image-to-image (inpainting with a mask). `shouldStop`, asked before
    /// every step, ends the generation early with ``GenerationStopped``.
    public func generate(_ request: GenerationRequest, progress: ((Int, Int) -> Void)? = nil,
                         trajectory: ((Int, Tensor) -> Void)? = nil, trajectoryEvery: Int = 1,
                         shouldStop: (() -> Bool)? = nil) throws -> Tensor {
        let input = try request.initial.map { try ImageToImageInput(loading: $0, size: imageSize) }
        return try generate(request, input: input, progress: progress, trajectory: trajectory, trajectoryEvery: trajectoryEvery,
                            shouldStop: shouldStop)
    }

    /// `generate` from an init image (and mask) already in memory, or from noise when `input` is nil;
    /// `request.initial` is not read.
    public func generate(_ request: GenerationRequest, input: ImageToImageInput?, progress: ((Int, Int) -> Void)? = nil,
                         trajectory: ((Int, Tensor) -> Void)? = nil, trajectoryEvery: Int = 1,
                         shouldStop: (() -> Bool)? = nil) throws -> Tensor {
        guard request.count >= 1 else { throw SamplerError(message: "count must be at least 1, got \(request.count)") }
        // One generator per image: image i of seed s is the single image of seed s + i.
        var noise = BatchNoise(seed: request.seed, count: request.count)
        let (context, lengths) = try conditioning(request)
        let latents = try denoiser.sample(count: request.count, context: context, lengths: lengths, request: request, input: input,
                                 noise: &noise, progress: progress, trajectory: trajectory, trajectoryEvery: trajectoryEvery,
                                          shouldStop: shouldStop)
        return denoiser.paste(denoiser.decode(latents), onto: input)
    }

    /// The text conditioning of `request` for its batch: with guidance the negative prompt's
    /// hidden states first, then the prompt's (diffusers' order), else the prompt's alone.
    public func conditioning(_ request: GenerationRequest) throws -> (context: Tensor, lengths: [Int]) {
        let n = request.count
        let cond = try encode(prompts: Array(repeating: request.prompt, count: n))
        guard request.guidance != 1 else { return (cond.hidden, cond.lengths) }
        let uncond = try encode(prompts: Array(repeating: request.negativePrompt, count: n))
        return (Tensor.concatenate([uncond.hidden, cond.hidden], axis: 0), uncond.lengths + cond.lengths)
    }

    /// The U-Net, autoencoder and noise schedule: the denoising half of the pipeline.
    public var denoiser: LatentDenoiser {
        LatentDenoiser(unet: unet, vae: vae, schedule: schedule, predictionType: predictionType)
    }

    /// Latents → pixels: undo the scaling factor, then the autoencoder's decoder.
    public func decode(_ latents: Tensor) -> Tensor {
        denoiser.decode(latents)
    }
}
