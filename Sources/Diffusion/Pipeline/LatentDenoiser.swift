import NN
import TensorCore

/// The denoising half of the pipeline — U-Net, sampler loop with guidance, autoencoder — on text
/// conditioning already encoded: text-to-image from noise, image-to-image and inpainting.
public struct LatentDenoiser {
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    public let schedule: NoiseSchedule
    public let predictionType: PredictionType

    public init(unet: UNet2DConditionModel, vae: AutoencoderKL, schedule: NoiseSchedule, predictionType: PredictionType) {
        self.unet = unet
        self.vae = vae
        self.schedule = schedule
        self.predictionType = predictionType
    }

    /// The side of the images: the U-Net's latent side times the autoencoder's downsampling factor.
    public var imageSize: Int { unet.config.sampleSize * vae.downsamplingFactor }

    /// The denoised latents (B, C, h, w) of `count` images: the sampler's loop with classifier-free
    /// guidance, from pure noise (the first draw of `noise`) or, with `input`, image-to-image as
    /// diffusers' `StableDiffusionImg2ImgPipeline` and, with a mask, its inpainting pipeline for a
    /// U-Net without mask channels (`StableDiffusionInpaintPipeline`, `num_channels_unet == 4`).
    /// `afterStep` sees the latents after each step (after the mask's blend), for tests.
    /// `shouldStop` is asked before every step; when it answers true the loop ends by throwing
    /// ``GenerationStopped`` (an interrupt, a client gone, a time limit).
    public func sample<Noise: NoiseSource>(count n: Int, context: Tensor, lengths: [Int], request: GenerationRequest,
                                    input: ImageToImageInput?, noise: inout Noise, progress: ((Int, Int) -> Void)? = nil,
                                    trajectory: ((Int, Tensor) -> Void)? = nil, trajectoryEvery: Int = 1,
                                    afterStep: ((Tensor) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> Tensor {
        var sampler = try SamplerKind(name: request.sampler, source: "--sampler")
            .make(schedule: schedule, predictionType: predictionType, eta: request.eta)
        let timesteps = try sampler.timesteps(steps: request.steps)
        let guided = request.guidance != 1
        let c = unet.config.inChannels, side = unet.config.sampleSize
        let initialNoise = noise.normal([n, c, side, side])
        var x = initialNoise * sampler.initNoiseSigma
        var first = 0
        var known: (latents: Tensor, mask: Tensor?)?
        if let input {
            let run = InitialImage.stepsRun(steps: request.steps, strength: input.strength)
            guard run >= 1 else {
                throw ImageToImageError("strength \(input.strength) with \(request.steps) steps runs no denoising step (⌊\(request.steps) × \(input.strength)⌋ = 0); raise --strength or --steps")
            }
            guard input.image.shape == [1, 3, imageSize, imageSize] else {
                throw ImageToImageError("the init image is \(input.image.shape), the pipeline makes (1, 3, \(imageSize), \(imageSize))")
            }
            first = request.steps - run
            // The init latents: the posterior mean (diffusers samples it; t2i keeps the input exact), scaled.
            let encoded = vae.encode(input.image).mean * Float(vae.scalingFactor)
            let latents = Tensor.concatenate(Array(repeating: encoded, count: n), axis: 0)
            known = (latents, input.mask.map { ImageToImageInput.latentMask($0, factor: vae.downsamplingFactor) })
            // Strength 1 starts from pure noise, as the inpainting pipeline's `is_strength_max`, so it
            // equals text-to-image with the same seed; otherwise q(x_t | x₀) at the first step run.
            if input.strength < 1 { x = sampler.noised(latents, noise: initialNoise, stepIndex: first) }
            sampler.begin(at: first)
        }
        // Every step attends to the same text states: each cross-attention layer projects them once.
        let crossAttention = CrossAttentionCache()
        for i in first..<timesteps.count {
            if let shouldStop, shouldStop() { throw GenerationStopped(step: i - first, of: timesteps.count - first) }
            let t = timesteps[i]
            let modelInput = sampler.scaleModelInput(x, timestep: t)
            let output = crossAttention.with {
                if guided {
                    let both = unet(ClassifierFreeGuidance.doubled(modelInput), timesteps: Array(repeating: t, count: 2 * n),
                                    context: context, contextLengths: lengths)
                    return ClassifierFreeGuidance.combine(batched: both, scale: request.guidance)
                }
                return unet(modelInput, timesteps: Array(repeating: t, count: n), context: context, contextLengths: lengths)
            }
            let done = i + 1 - first, total = timesteps.count - first
            if let trajectory, done % max(trajectoryEvery, 1) == 0 || done == total {
                trajectory(done, decode(predictedOriginal(modelOutput: output, modelInput: modelInput, timestep: t)))
            }
            x = sampler.step(modelOutput: output, timestep: t, sample: x, noise: &noise)
            if let known, let mask = known.mask {
                // The known region: the init latents noised to the next timestep (clean after the last).
                let kept = i + 1 < timesteps.count ? sampler.noised(known.latents, noise: initialNoise, stepIndex: i + 1) : known.latents
                x = kept * (1 - mask) + x * mask
            }
            // A NaN or ∞ would decode to a blank image and exit 0: stop here, naming where it appeared.
            let bad = x.nonFiniteCount
            guard bad == 0 else {
                throw SamplerError(message: "sampling stopped at step \(done) of \(total) (timestep \(t)): \(bad) of \(x.count) latent values are NaN or infinite — the U-Net's weights or the guidance (\(request.guidance)) are out of range")
            }
            afterStep?(x)
            progress?(done, total)
        }
        return x
    }

    /// Inpainting's decoded images pasted over the input: pixels outside the mask are the input's,
    /// inside the decoded ones, blended over a soft edge (``ImageToImageInput/pasteWeight(_:radius:)``)
    /// of half a latent cell. Without a mask the images are returned as they are.
    public func paste(_ images: Tensor, onto input: ImageToImageInput?) -> Tensor {
        guard let input, let mask = input.mask else { return images }
        let weight = ImageToImageInput.pasteWeight(mask, radius: max(1, vae.downsamplingFactor / 2))
        return input.image * (1 - weight) + images * weight
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
