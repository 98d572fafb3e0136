import Foundation

/// The forward process q(x_t | x₀) = N(√ᾱ_t·x₀, (1−ᾱ_t)·I) over `trainSteps` timesteps (DESIGN §4),
/// with β and ᾱ computed exactly as diffusers' `DDPMScheduler.__init__` does.
public struct NoiseSchedule: Sendable, Equatable {
    /// The schedule kind.
    public let kind: BetaSchedule
    /// Number of training timesteps T.
    public let trainSteps: Int
    /// β_t, t = 0..<T, in Float32 as PyTorch computes them.
    public let betas: [Float]
    /// ᾱ_t = Π_{s≤t}(1 − β_s), in Float32.
    public let alphasCumprod: [Float]

    /// A schedule of `trainSteps` steps; `betaStart`/`betaEnd` are ignored by the cosine schedule.
    public init(_ kind: BetaSchedule, trainSteps: Int = 1000, betaStart: Double = 0.0001, betaEnd: Double = 0.02) {
        precondition(trainSteps >= 2, "a noise schedule needs at least 2 timesteps, got \(trainSteps)")
        self.kind = kind
        self.trainSteps = trainSteps
        switch kind {
        case .linear:
            // scheduling_ddpm.py: torch.linspace(beta_start, beta_end, T, dtype=float32)
            betas = Self.linspace(Float(betaStart), Float(betaEnd), trainSteps)
        case .scaledLinear:
            // torch.linspace(beta_start**0.5, beta_end**0.5, T, dtype=float32) ** 2
            betas = Self.linspace(Float(betaStart.squareRoot()), Float(betaEnd.squareRoot()), trainSteps).map { $0 * $0 }
        case .squaredcosCapV2:
            // betas_for_alpha_bar: in float64, β_i = min(1 − ᾱ(t₂)/ᾱ(t₁), 0.999), then float32.
            func alphaBar(_ t: Double) -> Double {
                let c = Foundation.cos((t + 0.008) / 1.008 * Double.pi / 2)
                return c * c
            }
            betas = (0..<trainSteps).map { i in
                let t1 = Double(i) / Double(trainSteps), t2 = Double(i + 1) / Double(trainSteps)
                return Float(Swift.min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
            }
        }
        // alphas = 1 − betas in float32; torch.cumprod accumulates in double on the CPU.
        var product = 1.0
        alphasCumprod = betas.map { beta in
            product *= Double(1 - beta)
            return Float(product)
        }
    }

    /// The schedule of a run config's `scheduler` section; an unknown schedule name throws a `ConfigError`.
    public init(_ config: SchedulerConfig, source: String = "config") throws {
        guard let kind = BetaSchedule(rawValue: config.betaSchedule) else {
            throw ConfigError(source: source, key: "scheduler.beta_schedule",
                              "unknown schedule '\(config.betaSchedule)' (known: \(BetaSchedule.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard config.numTrainTimesteps >= 2 else {
            throw ConfigError(source: source, key: "scheduler.num_train_timesteps", "must be at least 2, got \(config.numTrainTimesteps)")
        }
        guard config.numTrainTimesteps <= 100_000 else {
            throw ConfigError(source: source, key: "scheduler.num_train_timesteps", "must be at most 100000, got \(config.numTrainTimesteps)")
        }
        if kind != .squaredcosCapV2 {
            // Every β_t must be a variance in (0, 1), growing with t, or ᾱ_t stops shrinking (or turns NaN).
            guard config.betaStart.isFinite, config.betaStart > 0, config.betaStart < 1 else {
                throw ConfigError(source: source, key: "scheduler.beta_start", "must be in (0, 1), got \(config.betaStart)")
            }
            guard config.betaEnd.isFinite, config.betaEnd >= config.betaStart, config.betaEnd < 1 else {
                throw ConfigError(source: source, key: "scheduler.beta_end",
                                  "must be in [beta_start, 1) = [\(config.betaStart), 1), got \(config.betaEnd)")
            }
        }
        self.init(kind, trainSteps: config.numTrainTimesteps, betaStart: config.betaStart, betaEnd: config.betaEnd)
    }

    /// `torch.linspace` for float32 on the CPU: the step in float32, the first half counted up from
    /// `start` and the second half down from `end` (ATen RangeFactoriesKernel.cpp).
    static func linspace(_ start: Float, _ end: Float, _ count: Int) -> [Float] {
        let step = (end - start) / Float(count - 1)
        let halfway = count / 2
        return (0..<count).map { i in
            i < halfway ? start + step * Float(i) : end - step * Float(count - i - 1)
        }
    }

    /// σ_t = √((1 − ᾱ_t)/ᾱ_t), the noise level of the variance-exploding form x_t/√ᾱ_t = x₀ + σ_t·ε
    /// used by Euler-type samplers, in Float32 as diffusers computes it.
    public var sigmas: [Float] {
        alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }
}
