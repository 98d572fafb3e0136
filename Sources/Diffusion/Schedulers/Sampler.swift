import TensorCore

/// A reverse-diffusion sampler that turns noise into latents step by step, matching a diffusers
/// scheduler step for step (DESIGN §4).
///
/// Use: `let ts = try sampler.timesteps(steps: n)`; start from `noise · initNoiseSigma`; for each
/// t in `ts`, run the model on `scaleModelInput(x, timestep: t)` and set
/// `x = sampler.step(modelOutput:timestep:sample:noise:)`. Samplers keep their own state (the
/// step index, previous model outputs), so the timesteps must be stepped in order. Steps are
/// sampling-time arithmetic and are not recorded for differentiation.
public protocol Sampler: Sendable {
    /// The forward process the model was trained with.
    var schedule: NoiseSchedule { get }
    /// What the model predicts.
    var predictionType: PredictionType { get }
    /// Standard deviation of the initial latents: x_T = ε · initNoiseSigma.
    var initNoiseSigma: Float { get }
    /// Sets up `steps` inference steps and returns their timesteps, descending (the values to give the
    /// model; fractional for some spacings). Resets the sampler's state.
    mutating func timesteps(steps: Int) throws -> [Float]
    /// The model input for `sample` at `timestep` (the identity except for σ-parameterised samplers).
    func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor
    /// One denoising step from `timestep` to the next; draws any fresh noise from `noise`.
    mutating func step<Noise: NoiseSource>(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: inout Noise) -> Tensor
    /// q(x_t | x₀) at inference step `stepIndex` of the last `timesteps(steps:)`, in this sampler's
    /// parameterisation (diffusers `add_noise`): `original` (clean latents) with `noise` mixed in.
    func noised(_ original: Tensor, noise: Tensor, stepIndex: Int) -> Tensor
    /// Starts the denoising at inference step `stepIndex` instead of 0 (diffusers `set_begin_index`,
    /// as image-to-image does); call it after `timesteps(steps:)` and before the first step.
    mutating func begin(at stepIndex: Int)
}

extension Sampler {
    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    /// One denoising step drawing any fresh noise from `generator`.
    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor, generator: inout Philox) -> Tensor {
        step(modelOutput: modelOutput, timestep: timestep, sample: sample, noise: &generator)
    }

    /// Throws unless 1 ≤ `steps` ≤ the number of training timesteps.
    func checkSteps(_ steps: Int) throws {
        guard steps >= 1, steps <= schedule.trainSteps else {
            throw SamplerError(message: "\(steps) sampling steps: must be between 1 and \(schedule.trainSteps) (the training timesteps)")
        }
    }
}

