import Foundation
import Imaging
import TensorCore

/// The forward process q(x_t | x₀) made visible (`t2i diffuse`): an image is encoded to latents
/// x₀ (the posterior mean, times the scaling factor), noised to x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε at
/// each chosen timestep with one seeded ε shared by all of them (so the frames differ only in t),
/// and each x_t is decoded back to pixels.
///
/// The strip, left to right: the input image, then one frame per timestep in the order given.
public enum ForwardProcessStrip {
    /// The default timesteps: from clean to (almost) pure noise.
    public static let defaultTimesteps = [0, 100, 250, 500, 750, 999]

    /// The frames: `[input] + [decoded x_t for t in timesteps]`.
    ///
    /// - Parameters:
    ///   - source: names the image in errors (its path).
    /// - Throws: `TrainingError` when the image is not the autoencoder's sample size or a timestep is
    ///   outside the schedule.
    public static func frames(image: Image, source: String, vae: AutoencoderKL, schedule: NoiseSchedule,
                              timesteps: [Int], seed: UInt64) throws -> [Image] {
        let side = vae.config.sampleSize
        guard image.width == side, image.height == side else {
            throw TrainingError("\(source): the image is \(image.width)×\(image.height) but the autoencoder takes \(side)×\(side) images; resize it first")
        }
        guard !timesteps.isEmpty else { throw TrainingError("--timesteps: give at least one timestep") }
        if let bad = timesteps.first(where: { $0 < 0 || $0 >= schedule.trainSteps }) {
            throw TrainingError("--timesteps: \(bad) is outside 0...\(schedule.trainSteps - 1) (the schedule's training timesteps)")
        }
        let scale = Float(vae.scalingFactor)
        let x0 = vae.encode(try Image.batchTensor([image])).mode() * scale
        var generator = Philox(seed: seed)
        let noise = generator.normal(x0.shape)
        let n = timesteps.count
        let latents = Tensor.concatenate(Array(repeating: x0, count: n), axis: 0)
        let noises = Tensor.concatenate(Array(repeating: noise, count: n), axis: 0)
        let xt = schedule.addNoise(latents, noise: noises, timesteps: timesteps)
        let decoded = vae.decode(xt * (1 / scale))
        return [image.format == .rgb ? image : image.converted(to: .rgb)] + (try Image.images(fromBatch: decoded))
    }

    /// The frames side by side in one row.
    public static func strip(_ frames: [Image]) throws -> Image {
        try Image.grid(frames, columns: frames.count, padding: 1)
    }
}
