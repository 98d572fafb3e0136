import TensorCore

/// Euler ancestral sampling (Karras et al. 2022 / k-diffusion `sample_euler_ancestral`), as diffusers'
/// `EulerAncestralDiscreteScheduler` (schedulers/scheduling_euler_ancestral_discrete.py).
///
/// Works on x/√ᾱ = x₀ + σ·ε with σ = √((1−ᾱ)/ᾱ): the initial noise is scaled by `initNoiseSigma`,
/// the model sees x/√(σ²+1), and each step moves by Euler to σ_down then adds noise σ_up, where
/// σ_up² + σ_down² = σ_next².
public struct EulerAncestralSampler: Sampler {
    /// The forward process the model was trained with.
    public let schedule: NoiseSchedule
    /// ε or v (diffusers supports no other); `.sample` is accepted and reads the output as x₀.
    public let predictionType: PredictionType
    /// How inference timesteps are chosen.
    public let timestepSpacing: TimestepSpacing
    /// Added to `leading` timesteps (diffusers `steps_offset`).
    public let stepsOffset: Int
    /// The inference timesteps (fractional with `linspace`), descending.
    public private(set) var inferenceTimesteps: [Float] = []
    /// σ at each inference timestep, then 0.
    public private(set) var sigmas: [Float] = []
    /// Steps taken since `timesteps(steps:)`.
    public private(set) var stepIndex = 0

    /// A sampler for `schedule`; the spacing default is diffusers' (`linspace`).
    public init(schedule: NoiseSchedule, predictionType: PredictionType = .epsilon, timestepSpacing: TimestepSpacing = .linspace,
                stepsOffset: Int = 0) {
        self.schedule = schedule
        self.predictionType = predictionType
        self.timestepSpacing = timestepSpacing
        self.stepsOffset = stepsOffset
    }

    /// σ_max for `linspace`/`trailing`, √(σ_max² + 1) for `leading` (diffusers `init_noise_sigma`).
    public var initNoiseSigma: Float {
        let maximum = (sigmas.isEmpty ? schedule.sigmas : sigmas).max() ?? 1
        return timestepSpacing == .leading ? (maximum * maximum + 1).squareRoot() : maximum
    }

    public mutating func timesteps(steps: Int) throws -> [Float] {
        try checkSteps(steps)
        let total = schedule.trainSteps
        let times: [Double]
        switch timestepSpacing {
        case .linspace:
            // np.linspace(0, T - 1, steps, dtype=np.float32)[::-1]: float64 values rounded to float32.
            times = TimestepSpacing.numpyLinspace(0, Double(total - 1), steps).reversed().map { Double(Float($0)) }
        case .leading:
            let ratio = total / steps
            times = (0..<steps).reversed().map { Double($0 * ratio + stepsOffset) }
        case .trailing:
            times = TimestepSpacing.numpyArange(Double(total), 0, -Double(total) / Double(steps)).map { TimestepSpacing.round($0) - 1 }
        }
        // sigmas = np.interp(timesteps, arange(T), ((1 - ᾱ) / ᾱ) ** 0.5) then [0], as float32.
        let full = schedule.sigmas
        sigmas = times.map { Float(TimestepSpacing.interpolate(full, at: $0)) } + [0]
        inferenceTimesteps = times.map(Float.init)
        stepIndex = 0
        return inferenceTimesteps
    }

    /// σ of `timestep` (one of the inference timesteps).
    func sigma(at timestep: Float) -> Float {
        guard let index = inferenceTimesteps.firstIndex(of: timestep) else {
            preconditionFailure("EulerAncestralSampler: timestep \(timestep) is not one of timesteps(steps:) \(inferenceTimesteps)")
        }
        return sigmas[index]
    }

    /// x / √(σ² + 1): the model's input at noise level σ (diffusers `scale_model_input`).
    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor {
        let scale = (sigma(at: timestep) * sigma(at: timestep) + 1).squareRoot()
        return sample / scale
    }

    /// x₀ + σ·ε: the forward process on x/√ᾱ (scheduling_euler_ancestral_discrete.py `add_noise`).
    public func noised(_ original: Tensor, noise: Tensor, stepIndex: Int) -> Tensor {
        let sigma = sigmas[stepIndex]
        return original + sigma * noise
    }

    public mutating func begin(at stepIndex: Int) {
        self.stepIndex = stepIndex
    }

    public mutating func step<Noise: NoiseSource>(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: inout Noise) -> Tensor {
        precondition(stepIndex < inferenceTimesteps.count && inferenceTimesteps[stepIndex] == timestep,
                     "EulerAncestralSampler: expected timestep \(stepIndex < inferenceTimesteps.count ? inferenceTimesteps[stepIndex] : .nan), got \(timestep)")
        let sigma = sigmas[stepIndex], sigmaNext = sigmas[stepIndex + 1]
        stepIndex += 1
        // k-diffusion get_ancestral_step: σ_up = √(σ_to²(σ_from² − σ_to²)/σ_from²), σ_down = √(σ_to² − σ_up²)
        let sigmaUp = (sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) / (sigma * sigma)).squareRoot()
        let sigmaDown = (sigmaNext * sigmaNext - sigmaUp * sigmaUp).squareRoot()
        let dt = sigmaDown - sigma
        let vScale = -sigma / (sigma * sigma + 1).squareRoot(), vDivisor = sigma * sigma + 1
        let z = noise.normal(sample.shape)  // drawn at every step, as diffusers does
        let (m, x) = (modelOutput, sample)
        let x0 = switch predictionType {
        case .epsilon: x - sigma * m
        case .vPrediction: m * vScale + x / vDivisor
        case .sample: m
        }
        let derivative = (x - x0) / sigma
        return (x + derivative * dt) + z * sigmaUp
    }
}
