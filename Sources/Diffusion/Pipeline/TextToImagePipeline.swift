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

    /// A pipeline of already-built parts (e.g. the U-Net being trained, for preview grids).
    public init(tokenizer: SentencePieceTokenizer, textEncoder: CLIPTextModel, vae: AutoencoderKL,
                unet: UNet2DConditionModel, scheduler: SchedulerConfig) throws {
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.vae = vae
        self.unet = unet
        self.scheduler = scheduler
        schedule = try NoiseSchedule(scheduler)
        predictionType = try PredictionType(scheduler)
        maxLength = textEncoder.textModel.config.maxPositionEmbeddings
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
                      scheduler: SchedulerFolder.read(from: folder.scheduler))
    }

    /// Text-encoder hidden states (B, L, D) and key lengths for `prompts`.
    public func encode(prompts: [String]) throws -> (hidden: Tensor, lengths: [Int]) {
        var ids: [Int32] = []
        for p in prompts { ids += try tokenizer.encode(p, maxLength: maxLength) }
        let lengths = textEncoder.textModel.keyLengths(ids: ids, batch: prompts.count, length: maxLength)
        let hidden = textEncoder.encode(ids: ids, batch: prompts.count, length: maxLength, keyLengths: lengths).lastHiddenState
        return (hidden, lengths)
    }

    /// Generates `request.count` images as a (B, 3, H, W) tensor in [-1, 1]. `progress` hears each
    /// step; `trajectory` receives the predicted clean image x̂₀ (decoded) after every
    /// `trajectoryEvery`-th step and after the last (decoding costs time, so ask only for the
    /// frames you keep).
    public func generate(_ request: GenerationRequest, progress: ((Int, Int) -> Void)? = nil,
                         trajectory: ((Int, Tensor) -> Void)? = nil, trajectoryEvery: Int = 1) throws -> Tensor {
        let n = request.count
        guard n >= 1 else { throw SamplerError(message: "count must be at least 1, got \(n)") }
        var sampler = try SamplerKind(name: request.sampler, source: "--sampler")
            .make(schedule: schedule, predictionType: predictionType, eta: request.eta)
        let timesteps = try sampler.timesteps(steps: request.steps)
        let guided = request.guidance != 1
        let cond = try encode(prompts: Array(repeating: request.prompt, count: n))
        let context: Tensor, lengths: [Int]
        if guided {
            let uncond = try encode(prompts: Array(repeating: request.negativePrompt, count: n))
            // diffusers' order: unconditional (negative) half first.
            context = Tensor.concatenate([uncond.hidden, cond.hidden], axis: 0)
            lengths = uncond.lengths + cond.lengths
        } else {
            context = cond.hidden
            lengths = cond.lengths
        }
        let c = unet.config.inChannels, side = unet.config.sampleSize
        // One generator per image: image i of seed s is the single image of seed s + i.
        var noise = BatchNoise(seed: request.seed, count: n)
        var x = noise.normal([n, c, side, side]) * sampler.initNoiseSigma
        for (i, t) in timesteps.enumerated() {
            let input = sampler.scaleModelInput(x, timestep: t)
            let output: Tensor
            if guided {
                let both = unet(ClassifierFreeGuidance.doubled(input), timesteps: Array(repeating: t, count: 2 * n),
                                context: context, contextLengths: lengths)
                output = ClassifierFreeGuidance.combine(batched: both, scale: request.guidance)
            } else {
                output = unet(input, timesteps: Array(repeating: t, count: n), context: context, contextLengths: lengths)
            }
            if let trajectory, (i + 1) % max(trajectoryEvery, 1) == 0 || i + 1 == timesteps.count {
                trajectory(i + 1, decode(predictedOriginal(modelOutput: output, modelInput: input, timestep: t)))
            }
            x = sampler.step(modelOutput: output, timestep: t, sample: x, noise: &noise)
            progress?(i + 1, timesteps.count)
        }
        return decode(x)
    }

    /// Latents → pixels: undo the scaling factor, then the autoencoder's decoder.
    public func decode(_ latents: Tensor) -> Tensor {
        vae.decode(latents * Float(1 / vae.scalingFactor))
    }

    /// x̂₀ from the model output on the (variance-preserving) model input at `timestep`, using the
    /// nearest training timestep's ᾱ — for showing the reverse process, not for sampling.
    func predictedOriginal(modelOutput: Tensor, modelInput: Tensor, timestep: Float) -> Tensor {
        let t = min(max(Int(timestep.rounded()), 0), schedule.trainSteps - 1)
        let a = schedule.alphasCumprod[t], sa = a.squareRoot(), sb = (1 - a).squareRoot()
        switch predictionType {
        case .epsilon: return (modelInput - modelOutput * sb) * (1 / sa)
        case .vPrediction: return modelInput * sa - modelOutput * sb
        case .sample: return modelOutput
        }
    }
}
