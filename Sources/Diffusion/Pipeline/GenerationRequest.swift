/// Everything that determines a generated image, and so everything a PNG records to reproduce it.
public struct GenerationRequest: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String = ""
    /// Image *i* of the batch uses seed `seed + i` (DESIGN §2).
    public var seed: UInt64 = 0
    public var count: Int = 1
    public var steps: Int = 50
    /// "ddpm", "ddim", "euler_ancestral" or "dpmpp_2m".
    public var sampler: String = "ddim"
    /// Classifier-free guidance scale; 1 turns guidance off (one U-Net pass per step).
    public var guidance: Float = 4
    /// DDIM's η (0: deterministic).
    public var eta: Float = 0
    /// Image-to-image or inpainting: what to start from; nil starts from noise (text-to-image).
    public var initial: InitialImage?

    public init(prompt: String) {
        self.prompt = prompt
    }
}
