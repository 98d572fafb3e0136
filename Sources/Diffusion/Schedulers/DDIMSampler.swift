import TensorCore

/// Denoising diffusion implicit models (Song et al. 2021, eq. 12) with stochasticity η, as diffusers'
/// `DDIMScheduler` (schedulers/scheduling_ddim.py): η = 0 is deterministic DDIM, η = 1 matches DDPM's variance.
public struct DDIMSampler: Sampler {
    /// The forward process the model was trained with.
    public let schedule: NoiseSchedule
    /// What the model predicts.
    public let predictionType: PredictionType
    /// η: the share of the DDPM posterior standard deviation to inject.
    public let eta: Float
    /// How inference timesteps are chosen.
    public let timestepSpacing: TimestepSpacing
    /// Added to `leading` timesteps (diffusers `steps_offset`).
    public let stepsOffset: Int
    /// Clamp predicted x₀ to ±this (diffusers `clip_sample`); nil: no clamping (see `DDPMSampler.clipSample`).
    public let clipSample: Float?
    /// ᾱ after the last step is 1 (diffusers `set_alpha_to_one`) rather than ᾱ₀.
    public let setAlphaToOne: Bool
    /// The inference timesteps set by `timesteps(steps:)`, descending.
    public private(set) var inferenceTimesteps: [Int] = []

    public var initNoiseSigma: Float { 1 }

    /// A sampler for `schedule`; the spacing and final-ᾱ defaults are diffusers'.
    public init(schedule: NoiseSchedule, predictionType: PredictionType = .epsilon, eta: Float = 0,
                timestepSpacing: TimestepSpacing = .leading, stepsOffset: Int = 0, clipSample: Float? = nil,
                setAlphaToOne: Bool = true) {
        precondition(eta >= 0, "DDIM η must be ≥ 0, got \(eta)")
        self.schedule = schedule
        self.predictionType = predictionType
        self.eta = eta
        self.timestepSpacing = timestepSpacing
        self.stepsOffset = stepsOffset
        self.clipSample = clipSample
        self.setAlphaToOne = setAlphaToOne
    }

    public mutating func timesteps(steps: Int) throws -> [Float] {
        try checkSteps(steps)
        inferenceTimesteps = timestepSpacing.discreteTimesteps(steps: steps, trainSteps: schedule.trainSteps, offset: stepsOffset)
        return inferenceTimesteps.map(Float.init)
    }

    public func noised(_ original: Tensor, noise: Tensor, stepIndex: Int) -> Tensor {
        schedule.addNoise(original, noise: noise, timesteps: Array(repeating: inferenceTimesteps[stepIndex], count: original.shape[0]))
    }

    /// Nothing to do: each step finds its place from its timestep.
    public mutating func begin(at stepIndex: Int) {}

    public mutating func step<Noise: NoiseSource>(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: inout Noise) -> Tensor {
        precondition(!inferenceTimesteps.isEmpty, "DDIMSampler: call timesteps(steps:) first")
        let t = Int(timestep)
        // scheduling_ddim.py: prev_timestep = t − T // steps, whatever the spacing.
        let previous = t - schedule.trainSteps / inferenceTimesteps.count
        let alphaProd = schedule.alphasCumprod[t]
        let finalAlpha: Float = setAlphaToOne ? 1 : schedule.alphasCumprod[0]
        let alphaProdPrevious = previous >= 0 ? schedule.alphasCumprod[previous] : finalAlpha
        let betaProd = 1 - alphaProd, betaProdPrevious = 1 - alphaProdPrevious
        let (sqrtAlphaProd, sqrtBetaProd) = (alphaProd.squareRoot(), betaProd.squareRoot())
        // σ_t(η) of eq. 16: η·√((1−ᾱ_{t'})/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_{t'}))
        let variance = (betaProdPrevious / betaProd) * (1 - alphaProd / alphaProdPrevious)
        let standardDeviation = eta * variance.squareRoot()
        let directionCoefficient = (1 - alphaProdPrevious - standardDeviation * standardDeviation).squareRoot()
        let sqrtAlphaProdPrevious = alphaProdPrevious.squareRoot()
        let z = eta > 0 ? noise.normal(sample.shape) : nil
        let (m, x) = (modelOutput, sample)
        var x0: Tensor, epsilon: Tensor
        switch predictionType {
        case .epsilon:
            x0 = (x - sqrtBetaProd * m) / sqrtAlphaProd
            epsilon = m
        case .sample:
            x0 = m
            epsilon = (x - sqrtAlphaProd * x0) / sqrtBetaProd
        case .vPrediction:
            x0 = sqrtAlphaProd * x - sqrtBetaProd * m
            epsilon = sqrtAlphaProd * m + sqrtBetaProd * x
        }
        // ε stays the unclipped prediction (diffusers `use_clipped_model_output=False`).
        if let clip = clipSample { x0 = x0.clamped(min: -clip, max: clip) }
        // eq. 12: x_{t'} = √ᾱ_{t'}·x₀ + √(1−ᾱ_{t'}−σ²)·ε + σ·z
        let previousSample = sqrtAlphaProdPrevious * x0 + directionCoefficient * epsilon
        return z.map { previousSample + standardDeviation * $0 } ?? previousSample
    }
}
