/// What the U-Net is trained to predict (diffusers' `prediction_type`).
public enum PredictionType: String, CaseIterable, Sendable {
    /// The noise ε added to x₀ (Ho et al. 2020).
    case epsilon
    /// v = √ᾱ·ε − √(1−ᾱ)·x₀ (Salimans & Ho 2022, "progressive distillation" §4).
    case vPrediction = "v_prediction"
    /// x₀ itself.
    case sample
}

extension PredictionType {
    /// The prediction type of a run config's `scheduler` section; an unknown name throws a `ConfigError`.
    public init(_ config: SchedulerConfig, source: String = "config") throws {
        guard let type = PredictionType(rawValue: config.predictionType) else {
            throw ConfigError(source: source, key: "scheduler.prediction_type",
                              "unknown prediction type '\(config.predictionType)' (known: \(PredictionType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = type
    }
}
