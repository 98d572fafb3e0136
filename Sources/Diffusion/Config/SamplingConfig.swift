/// Default generation settings and the preview prompts a run renders while training.
public struct SamplingConfig: Codable, Equatable, Sendable {
    /// "ddpm", "ddim", "euler_ancestral" or "dpmpp_2m".
    public var sampler: String = "ddim"
    public var steps: Int = 50
    public var guidance: Double = 3.0
    public var eta: Double = 0.0
    public var previewPrompts: [String] = [
        "a large red circle in the center on a white background",
        "a small blue square in the top left on a black background",
        "a large green triangle at the bottom on a gray background",
        "a small yellow circle on the right on a black background",
    ]
    public var previewSeed: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sampler
        case steps
        case guidance
        case eta
        case previewPrompts = "preview_prompts"
        case previewSeed = "preview_seed"
    }
}
