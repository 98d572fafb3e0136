/// diffusers `DDPMScheduler` config fields (DESIGN §3, §4); names as in its config.json.
public struct SchedulerConfig: Codable, Equatable, Sendable {
    public var numTrainTimesteps: Int = 1000
    /// "linear", "scaled_linear" or "squaredcos_cap_v2".
    public var betaSchedule: String = "scaled_linear"
    public var betaStart: Double = 0.00085
    public var betaEnd: Double = 0.012
    /// "epsilon", "v_prediction" or "sample".
    public var predictionType: String = "epsilon"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case numTrainTimesteps = "num_train_timesteps"
        case betaSchedule = "beta_schedule"
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
        case predictionType = "prediction_type"
    }
}
