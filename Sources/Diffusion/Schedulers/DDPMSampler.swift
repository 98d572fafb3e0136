import TensorCore

/// Ancestral sampling of Ho et al. 2020 (Algorithm 2) over a subset of timesteps, as diffusers'
/// `DDPMScheduler` (schedulers/scheduling_ddpm.py) with `variance_type="fixed_small"`.
///
/// Each step predicts x₀, takes the posterior mean of q(x_{t'} | x_t, x₀) for the previous
/// inference timestep t' (formula 7 of the paper) and adds noise of the posterior variance
/// β̃ = (1−ᾱ_{t'})/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_{t'}), except at t = 0.
public struct DDPMSampler: Sampler {
    /// The forward process the model was trained with.
    public let schedule: NoiseSchedule
    /// What the model predicts.
    public let predictionType: PredictionType
    /// How inference timesteps are chosen.
    public let timestepSpacing: TimestepSpacing
    /// Added to `leading` timesteps (diffusers `steps_offset`).
    public let stepsOffset: Int
    /// Clamp predicted x₀ to ±this (diffusers `clip_sample`/`clip_sample_range`); nil: no clamping.
    /// diffusers' class default clamps to ±1, meant for pixels; latents are not bounded, so t2i's default is off.
    public let clipSample: Float?
    /// The inference timesteps set by `timesteps(steps:)`, descending.
    public private(set) var inferenceTimesteps: [Int] = []

    public var initNoiseSigma: Float { 1 }

    /// A sampler for `schedule`; the spacing defaults are diffusers' (`leading`, offset 0).
    public init(schedule: NoiseSchedule, predictionType: PredictionType = .epsilon, timestepSpacing: TimestepSpacing = .leading,
                stepsOffset: Int = 0, clipSample: Float? = nil) {
        self.schedule = schedule
        self.predictionType = predictionType
        self.timestepSpacing = timestepSpacing
        self.stepsOffset = stepsOffset
        self.clipSample = clipSample
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
        let t = Int(timestep)
        // scheduling_ddpm.py `previous_timestep`: the next inference timestep, or −1 after the last.
        guard let index = inferenceTimesteps.firstIndex(of: t) else {
            preconditionFailure("DDPMSampler: timestep \(timestep) is not one of timesteps(steps:) \(inferenceTimesteps)")
        }
        let previous = index + 1 < inferenceTimesteps.count ? inferenceTimesteps[index + 1] : -1
        let alphaProd = schedule.alphasCumprod[t]
        let alphaProdPrevious: Float = previous >= 0 ? schedule.alphasCumprod[previous] : 1
        let betaProd = 1 - alphaProd, betaProdPrevious = 1 - alphaProdPrevious
        let currentAlpha = alphaProd / alphaProdPrevious
        let currentBeta = 1 - currentAlpha
        let (sqrtAlphaProd, sqrtBetaProd) = (alphaProd.squareRoot(), betaProd.squareRoot())
        // Formula (7): μ̃ = √ᾱ_{t'}·β_t/(1−ᾱ_t)·x₀ + √α_t·(1−ᾱ_{t'})/(1−ᾱ_t)·x_t
        let originalCoefficient = alphaProdPrevious.squareRoot() * currentBeta / betaProd
        let sampleCoefficient = currentAlpha.squareRoot() * betaProdPrevious / betaProd
        let standardDeviation = Swift.max(betaProdPrevious / betaProd * currentBeta, 1e-20).squareRoot()
        let z = t > 0 ? noise.normal(sample.shape) : nil
        let (m, x) = (modelOutput, sample)
        var x0: Tensor
        switch predictionType {
        case .epsilon: x0 = (x - sqrtBetaProd * m) / sqrtAlphaProd     // formula (15)
        case .sample: x0 = m
        case .vPrediction: x0 = sqrtAlphaProd * x - sqrtBetaProd * m
        }
        if let clip = clipSample { x0 = x0.clamped(min: -clip, max: clip) }
        let mean = originalCoefficient * x0 + sampleCoefficient * x
        return z.map { mean + standardDeviation * $0 } ?? mean
    }
}
