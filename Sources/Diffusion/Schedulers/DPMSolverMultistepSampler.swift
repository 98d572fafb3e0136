import Foundation
import TensorCore

/// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2): a second-order multistep solver
/// of the diffusion ODE in log-SNR time λ, as diffusers' `DPMSolverMultistepScheduler`
/// (schedulers/scheduling_dpmsolver_multistep.py) with its defaults: `algorithm_type="dpmsolver++"`,
/// `solver_order=2`, `solver_type="midpoint"`, `lower_order_final=True`, `final_sigmas_type="zero"`.
///
/// The first step, and the last (which lands on σ = 0), are first order (DDIM); the others combine
/// the current and the previous x₀ predictions.
public struct DPMSolverMultistepSampler: Sampler {
    /// The forward process the model was trained with.
    public let schedule: NoiseSchedule
    /// What the model predicts.
    public let predictionType: PredictionType
    /// How inference timesteps are chosen.
    public let timestepSpacing: TimestepSpacing
    /// Added to `leading` timesteps (diffusers `steps_offset`).
    public let stepsOffset: Int
    /// The inference timesteps set by `timesteps(steps:)`, descending.
    public private(set) var inferenceTimesteps: [Int] = []
    /// σ at each inference timestep, then 0.
    public private(set) var sigmas: [Float] = []
    /// Steps taken since `timesteps(steps:)`.
    public private(set) var stepIndex = 0
    /// The previous step's x₀ prediction (diffusers `model_outputs[-2]` at the next step).
    private var previousPrediction: Tensor?

    public var initNoiseSigma: Float { 1 }

    /// A sampler for `schedule`; the spacing default is diffusers' (`linspace`).
    public init(schedule: NoiseSchedule, predictionType: PredictionType = .epsilon, timestepSpacing: TimestepSpacing = .linspace,
                stepsOffset: Int = 0) {
        self.schedule = schedule
        self.predictionType = predictionType
        self.timestepSpacing = timestepSpacing
        self.stepsOffset = stepsOffset
    }

    public mutating func timesteps(steps: Int) throws -> [Float] {
        try checkSteps(steps)
        // lambda_min_clipped = −∞ keeps every training timestep: last_timestep = T.
        let last = schedule.trainSteps
        switch timestepSpacing {
        case .linspace:
            // np.linspace(0, last - 1, steps + 1).round()[::-1][:-1]
            inferenceTimesteps = TimestepSpacing.numpyLinspace(0, Double(last - 1), steps + 1).reversed().dropLast()
                .map { Int(TimestepSpacing.round($0)) }
        case .leading:
            // (np.arange(0, steps + 1) * (last // (steps + 1))).round()[::-1][:-1] + steps_offset
            let ratio = last / (steps + 1)
            inferenceTimesteps = (1...steps).reversed().map { $0 * ratio + stepsOffset }
        case .trailing:
            inferenceTimesteps = TimestepSpacing.numpyArange(Double(last), 0, -Double(schedule.trainSteps) / Double(steps))
                .map { Int(TimestepSpacing.round($0)) - 1 }
        }
        let full = schedule.sigmas
        sigmas = inferenceTimesteps.map { Float(TimestepSpacing.interpolate(full, at: Double($0))) } + [0]
        stepIndex = 0
        previousPrediction = nil
        return inferenceTimesteps.map(Float.init)
    }

    /// (α_t, σ_t, λ_t) of the VP form x = α·x₀ + σ·ε at VE noise level `sigma` (`_sigma_to_alpha_sigma_t`).
    static func alphaSigmaLambda(_ sigma: Float) -> (alpha: Float, sigma: Float, lambda: Float) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        let s = sigma * alpha
        return (alpha, s, Foundation.log(alpha) - Foundation.log(s))
    }

    /// α_t·x₀ + σ_t·ε at the step's σ (scheduling_dpmsolver_multistep.py `add_noise`).
    public func noised(_ original: Tensor, noise: Tensor, stepIndex: Int) -> Tensor {
        let (alpha, sigma, _) = Self.alphaSigmaLambda(sigmas[stepIndex])
        return alpha * original + sigma * noise
    }

    /// The first step taken is first order, as diffusers' `lower_order_nums` starts at 0.
    public mutating func begin(at stepIndex: Int) {
        self.stepIndex = stepIndex
        previousPrediction = nil
    }

    public mutating func step<Noise: NoiseSource>(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: inout Noise) -> Tensor {
        precondition(stepIndex < inferenceTimesteps.count && Float(inferenceTimesteps[stepIndex]) == timestep,
                     "DPMSolverMultistepSampler: timestep \(timestep) is out of order (call timesteps(steps:) and step through them)")
        let i = stepIndex
        // The first step has no previous prediction; final_sigmas_type "zero" makes the last step first order too.
        let firstOrder = i == inferenceTimesteps.count - 1

        // convert_model_output: the data prediction x₀.
        let current = Self.alphaSigmaLambda(sigmas[i])
        let (m, x) = (modelOutput, sample)
        let x0 = switch predictionType {
        case .epsilon: (x - current.sigma * m) / current.alpha
        case .sample: m
        case .vPrediction: current.alpha * x - current.sigma * m
        }
        let target = Self.alphaSigmaLambda(sigmas[i + 1])
        let h = target.lambda - current.lambda
        let sampleCoefficient = target.sigma / current.sigma
        let predictionCoefficient = target.alpha * (Foundation.exp(-h) - 1)
        let result: Tensor
        if !firstOrder, let previous = previousPrediction {
            // multistep_dpm_solver_second_order_update, midpoint: D1 = (m0 − m1)/r0, r0 = h₀/h
            let before = Self.alphaSigmaLambda(sigmas[i - 1])
            let r0 = (current.lambda - before.lambda) / h
            let inverse = 1 / r0, half = 0.5 * predictionCoefficient
            let d1 = inverse * (x0 - previous)
            result = (sampleCoefficient * x - predictionCoefficient * x0) - half * d1
        } else {
            // dpm_solver_first_order_update: x_t = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·x₀
            result = sampleCoefficient * x - predictionCoefficient * x0
        }
        previousPrediction = x0
        stepIndex += 1
        return result
    }
}
