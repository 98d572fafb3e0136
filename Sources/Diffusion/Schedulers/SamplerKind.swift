/// The samplers t2i offers, by the names a run config uses (`sampling.sampler`).
public enum SamplerKind: String, CaseIterable, Sendable {
    /// Ancestral DDPM (`DDPMSampler`).
    case ddpm
    /// DDIM with η (`DDIMSampler`).
    case ddim
    /// Euler ancestral (`EulerAncestralSampler`).
    case eulerAncestral = "euler_ancestral"
    /// DPM-Solver++(2M) (`DPMSolverMultistepSampler`).
    case dpmpp2m = "dpmpp_2m"

    /// The sampler named `name`; an unknown name throws a `ConfigError` for `sampling.sampler`.
    public init(name: String, source: String = "config") throws {
        guard let kind = SamplerKind(rawValue: name) else {
            throw ConfigError(source: source, key: "sampling.sampler",
                              "unknown sampler '\(name)' (known: \(SamplerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = kind
    }

    /// A sampler of this kind with diffusers' default spacing for its scheduler class and no x₀
    /// clipping; `eta` is used by DDIM only.
    public func make(schedule: NoiseSchedule, predictionType: PredictionType, eta: Float = 0) -> any Sampler {
        switch self {
        case .ddpm: DDPMSampler(schedule: schedule, predictionType: predictionType)
        case .ddim: DDIMSampler(schedule: schedule, predictionType: predictionType, eta: eta)
        case .eulerAncestral: EulerAncestralSampler(schedule: schedule, predictionType: predictionType)
        case .dpmpp2m: DPMSolverMultistepSampler(schedule: schedule, predictionType: predictionType)
        }
    }
}
