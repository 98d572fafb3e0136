import Foundation
import Testing
import TensorCore
import Diffusion

/// Noise schedules and training targets against diffusers (scripts/fixtures/schedulers.py,
/// Tests/Fixtures/schedulers/schedules.safetensors).
@Suite struct SchedulerScheduleTests {
    static let url = TestFiles.fixtures.appendingPathComponent("schedulers/schedules.safetensors")

    static func tensor(_ file: SafetensorsFile, _ name: String) throws -> Tensor {
        try Tensor(shape: file.info(name).shape, data: file.floats(name))
    }

    /// Largest elementwise |a − b| / |b| (for values of very different magnitudes, such as β or SNR).
    static func elementwiseRelative(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
        return zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-30) }.max() ?? 0
    }

    /// max |a − b| / max(1, max |b|).
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
        let scale = max(1, b.scalars.map(abs).max() ?? 0)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    static func schedule(_ kind: BetaSchedule) -> NoiseSchedule {
        switch kind {
        case .scaledLinear: NoiseSchedule(.scaledLinear, betaStart: 0.00085, betaEnd: 0.012)
        case .linear: NoiseSchedule(.linear, betaStart: 0.0001, betaEnd: 0.02)
        case .squaredcosCapV2: NoiseSchedule(.squaredcosCapV2)
        }
    }

    @Test(arguments: BetaSchedule.allCases)
    func betasAndAlphasCumprodMatchDiffusers(_ kind: BetaSchedule) throws {
        let file = try SafetensorsFile(contentsOf: Self.url)
        let schedule = Self.schedule(kind)
        #expect(schedule.betas.count == 1000)
        let betaError = Self.elementwiseRelative(schedule.betas, try file.floats("\(kind.rawValue).betas"))
        let alphaError = Self.elementwiseRelative(schedule.alphasCumprod, try file.floats("\(kind.rawValue).alphas_cumprod"))
        #expect(betaError <= 1e-5, "betas: relative error \(betaError)")
        #expect(alphaError <= 1e-5, "alphas_cumprod: relative error \(alphaError)")
    }

    @Test func defaultRunConfigIsScaledLinear() throws {
        let schedule = try NoiseSchedule(SchedulerConfig())
        #expect(schedule == Self.schedule(.scaledLinear))
        var config = SchedulerConfig()
        config.betaSchedule = "cosine"
        #expect(throws: ConfigError.self) { try NoiseSchedule(config) }
        config = SchedulerConfig()
        config.predictionType = "noise"
        let error = #expect(throws: ConfigError.self) { try PredictionType(config) }
        #expect(error?.key == "scheduler.prediction_type")
        #expect(try PredictionType(SchedulerConfig()) == .epsilon)
    }

    @Test func addNoiseAndVelocityMatchDiffusers() throws {
        let file = try SafetensorsFile(contentsOf: Self.url)
        let schedule = Self.schedule(.scaledLinear)
        let x0 = try Self.tensor(file, "add_noise.x0"), noise = try Self.tensor(file, "add_noise.noise")
        let timesteps = try file.int64s("add_noise.timesteps").map { Int($0) }
        let noisy = schedule.addNoise(x0, noise: noise, timesteps: timesteps)
        #expect(Self.relativeError(noisy, try Self.tensor(file, "add_noise.out")) <= 1e-6)
        let velocity = schedule.velocity(sample: x0, noise: noise, timesteps: timesteps)
        #expect(Self.relativeError(velocity, try Self.tensor(file, "velocity")) <= 1e-6)
        #expect(schedule.trainingTarget(.epsilon, sample: x0, noise: noise, timesteps: timesteps).scalars == noise.scalars)
        #expect(schedule.trainingTarget(.sample, sample: x0, noise: noise, timesteps: timesteps).scalars == x0.scalars)
        #expect(schedule.trainingTarget(.vPrediction, sample: x0, noise: noise, timesteps: timesteps).scalars == velocity.scalars)
    }

    @Test func snrAndMinSNRWeightsMatchDiffusers() throws {
        let file = try SafetensorsFile(contentsOf: Self.url)
        let schedule = Self.schedule(.scaledLinear)
        let timesteps = try file.int64s("add_noise.timesteps").map { Int($0) }
        #expect(Self.elementwiseRelative(schedule.snr(timesteps), try file.floats("snr")) <= 1e-5)
        let gamma = Float(file.metadata["gamma"] ?? "") ?? .nan
        #expect(gamma == 5)
        for type in PredictionType.allCases {
            let weights = schedule.minSNRWeights(timesteps, gamma: gamma, predictionType: type)
            let error = Self.elementwiseRelative(weights, try file.floats("min_snr.\(type.rawValue)"))
            #expect(error <= 1e-5, "\(type): relative error \(error)")
        }
    }

    @Test func weightedLossIsTheMeanOfWeightedPerItemMSE() throws {
        var generator = Philox(seed: 11)
        let prediction = generator.normal([3, 2, 2, 2]), target = generator.normal([3, 2, 2, 2])
        let weights: [Float] = [0.5, 2, 1]
        let p = prediction.scalars, t = target.scalars
        var perItem = [Float](repeating: 0, count: 3)
        for b in 0..<3 {
            for i in 0..<8 {
                let d: Float = p[b * 8 + i] - t[b * 8 + i]
                perItem[b] += d * d / 8
            }
        }
        let expected: Float = (perItem[0] * weights[0] + perItem[1] * weights[1] + perItem[2] * weights[2]) / 3
        let loss = DiffusionLoss.mse(prediction: prediction, target: target, weights: weights).item
        #expect(abs(loss - expected) <= 1e-6 * max(1, expected))
        let plain = DiffusionLoss.mse(prediction: prediction, target: target).item
        #expect(abs(plain - (perItem[0] + perItem[1] + perItem[2]) / 3) <= 1e-6)
        // Differentiable: d/dprediction of the weighted loss is 2·w_b·(p − t)/(B·n).
        let (_, gradients) = GradientTape.valueAndGradient(at: [prediction]) { inputs in
            DiffusionLoss.mse(prediction: inputs[0], target: target, weights: weights)
        }
        let g = gradients[0].scalars
        let expectedGradient: Float = 2 * weights[1] * (p[9] - t[9]) / 24
        #expect(abs(g[9] - expectedGradient) <= 1e-6)
    }
}
