import Foundation
import Testing
import TensorCore
import Diffusion

/// Noise a test controls: each draw returns the tensor set for the current step and is counted.
struct SchedulerInjectedNoise: NoiseSource {
    var next: Tensor?
    var draws = 0

    mutating func normal(_ shape: [Int]) -> Tensor {
        draws += 1
        guard let next, next.shape == shape else { preconditionFailure("no injected noise of shape \(shape)") }
        return next
    }
}

/// Every sampler against the corresponding diffusers scheduler fed the same model outputs and noise
/// (scripts/fixtures/schedulers.py, Tests/Fixtures/schedulers/trajectories.safetensors).
@Suite struct SchedulerTrajectoryTests {
    static let url = TestFiles.fixtures.appendingPathComponent("schedulers/trajectories.safetensors")

    /// One fixture case: the diffusers scheduler class and the config it was built with.
    struct Case {
        let name: String
        let scheduler: String
        let config: [String: Any]
        let eta: Float
        let steps: Int
    }

    static func cases(_ key: String) throws -> [Case] {
        let file = try SafetensorsFile(contentsOf: url)
        let text = try #require(file.metadata[key])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: Any]])
        return try json.keys.sorted().map { name in
            let entry = try #require(json[name])
            return Case(name: name, scheduler: try #require(entry["scheduler"] as? String),
                        config: try #require(entry["config"] as? [String: Any]),
                        eta: Float(entry["eta"] as? Double ?? 0), steps: try #require(entry["steps"] as? Int))
        }
    }

    /// The t2i sampler equivalent to the case's diffusers scheduler (its class defaults where the
    /// config is silent, including `clip_sample=True` for DDPM and DDIM).
    static func sampler(_ c: Case) throws -> any Sampler {
        let kind = try #require(BetaSchedule(rawValue: c.config["beta_schedule"] as? String ?? ""))
        let schedule = NoiseSchedule(kind, betaStart: c.config["beta_start"] as? Double ?? 0.0001,
                                     betaEnd: c.config["beta_end"] as? Double ?? 0.02)
        let prediction = try #require(PredictionType(rawValue: c.config["prediction_type"] as? String ?? "epsilon"))
        let offset = c.config["steps_offset"] as? Int ?? 0
        let clip: Float? = (c.config["clip_sample"] as? Bool ?? true) ? 1 : nil
        func spacing(_ fallback: TimestepSpacing) throws -> TimestepSpacing {
            guard let name = c.config["timestep_spacing"] as? String else { return fallback }
            return try #require(TimestepSpacing(rawValue: name))
        }
        switch c.scheduler {
        case "ddpm":
            return DDPMSampler(schedule: schedule, predictionType: prediction, timestepSpacing: try spacing(.leading),
                               stepsOffset: offset, clipSample: clip)
        case "ddim":
            return DDIMSampler(schedule: schedule, predictionType: prediction, eta: c.eta, timestepSpacing: try spacing(.leading),
                               stepsOffset: offset, clipSample: clip, setAlphaToOne: c.config["set_alpha_to_one"] as? Bool ?? true)
        case "euler_ancestral":
            return EulerAncestralSampler(schedule: schedule, predictionType: prediction, timestepSpacing: try spacing(.linspace),
                                         stepsOffset: offset)
        case "dpmpp_2m":
            return DPMSolverMultistepSampler(schedule: schedule, predictionType: prediction, timestepSpacing: try spacing(.linspace),
                                             stepsOffset: offset)
        default:
            throw SamplerError(message: "unknown scheduler \(c.scheduler) in the fixture")
        }
    }

    static func tensor(_ file: SafetensorsFile, _ name: String) throws -> Tensor {
        try Tensor(shape: file.info(name).shape, data: file.floats(name))
    }

    /// Item `i` of a stacked (N, …) tensor.
    static func item(_ stacked: Tensor, _ i: Int) -> Tensor {
        stacked.slice(rows: i..<(i + 1)).reshaped(Array(stacked.shape.dropFirst()))
    }

    static let trajectoryNames = ["ddpm_scaled_eps", "ddpm_linear_v_clip", "ddpm_cos_sample_trailing",
                                  "ddim_scaled_eps", "ddim_cos_v_eta", "ddim_linear_sample_trailing",
                                  "euler_a_scaled_eps", "euler_a_linear_v_leading", "euler_a_cos_eps_12",
                                  "dpmpp_2m_scaled_eps", "dpmpp_2m_cos_v", "dpmpp_2m_linear_sample_16"]

    @Test func fixtureHoldsEveryTrajectory() throws {
        #expect(try Self.cases("cases").map(\.name).sorted() == Self.trajectoryNames.sorted())
    }

    /// Each step from diffusers' own sample and model output (no accumulated drift), then the whole
    /// trajectory run freely from the initial latents with t2i's own samples.
    @Test(arguments: trajectoryNames)
    func trajectoryMatchesDiffusers(_ name: String) throws {
        let file = try SafetensorsFile(contentsOf: Self.url)
        let c = try #require(try Self.cases("cases").first { $0.name == name })
        let samples = try Self.tensor(file, "\(name).samples")
        let outputs = try Self.tensor(file, "\(name).model_outputs")
        let noises = try Self.tensor(file, "\(name).noise")
        let r = try Self.tensor(file, "\(name).r")
        let expectedDraws = (0..<c.steps).filter { Self.item(noises, $0).scalars.contains { $0 != 0 } }.count

        // Step by step.
        var sampler = try Self.sampler(c)
        let timesteps = try sampler.timesteps(steps: c.steps)
        #expect(timesteps == (try file.floats("\(name).timesteps")))
        let sigma = try file.floats("\(name).init_noise_sigma")[0]
        #expect(abs(sampler.initNoiseSigma - sigma) <= 1e-6 * max(1, sigma))
        var noise = SchedulerInjectedNoise()
        for (i, t) in timesteps.enumerated() {
            let x = Self.item(samples, i)
            let modelOutput = sampler.scaleModelInput(x, timestep: t) * 0.9 + r
            let outputError = SchedulerScheduleTests.relativeError(modelOutput, Self.item(outputs, i))
            #expect(outputError <= 1e-5, "\(name) step \(i): model output (scale_model_input) error \(outputError)")
            noise.next = Self.item(noises, i)
            let next = sampler.step(modelOutput: Self.item(outputs, i), timestep: t, sample: x, noise: &noise)
            let error = SchedulerScheduleTests.relativeError(next, Self.item(samples, i + 1))
            #expect(error <= 1e-4, "\(name) step \(i) (t = \(t)): relative error \(error)")
        }
        #expect(noise.draws == expectedDraws, "\(name): drew noise \(noise.draws) times, diffusers \(expectedDraws)")

        // Free-running.
        var free = try Self.sampler(c)
        var x = Self.item(samples, 0)
        var freeNoise = SchedulerInjectedNoise()
        for (i, t) in try free.timesteps(steps: c.steps).enumerated() {
            let modelOutput = free.scaleModelInput(x, timestep: t) * 0.9 + r
            freeNoise.next = Self.item(noises, i)
            x = free.step(modelOutput: modelOutput, timestep: t, sample: x, noise: &freeNoise)
        }
        let finalError = SchedulerScheduleTests.relativeError(x, Self.item(samples, c.steps))
        #expect(finalError <= 1e-4, "\(name): final sample relative error \(finalError)")
    }

    @Test func timestepSpacingsMatchDiffusers() throws {
        let file = try SafetensorsFile(contentsOf: Self.url)
        let spacings = try Self.cases("spacings")
        #expect(spacings.count == 24)
        for c in spacings {
            var sampler = try Self.sampler(c)
            let timesteps = try sampler.timesteps(steps: c.steps)
            #expect(timesteps == (try file.floats("\(c.name).timesteps")), "\(c.name)")
            let expectedSigmas = file.tensors["\(c.name).sigmas"] == nil ? nil : try file.floats("\(c.name).sigmas")
            let sigmas: [Float]? = switch sampler {
            case let euler as EulerAncestralSampler: euler.sigmas
            case let dpm as DPMSolverMultistepSampler: dpm.sigmas
            default: nil
            }
            if let expectedSigmas {
                let got = try #require(sigmas, "\(c.name): no sigmas")
                #expect(SchedulerScheduleTests.elementwiseRelative(got.dropLast(), expectedSigmas.dropLast()) <= 1e-6, "\(c.name)")
                #expect(got.last == 0 && expectedSigmas.last == 0)
            }
        }
    }

    @Test func stepCountsOutsideTheScheduleAreErrors() throws {
        let schedule = NoiseSchedule(.scaledLinear, betaStart: 0.00085, betaEnd: 0.012)
        for kind in SamplerKind.allCases {
            var sampler = kind.make(schedule: schedule, predictionType: .epsilon)
            #expect(throws: SamplerError.self) { try sampler.timesteps(steps: 0) }
            #expect(throws: SamplerError.self) { try sampler.timesteps(steps: 1001) }
            #expect(try sampler.timesteps(steps: 1).count == 1)
            #expect(try sampler.timesteps(steps: 50).count == 50)
        }
        #expect(try SamplerKind(name: "euler_ancestral") == .eulerAncestral)
        let error = #expect(throws: ConfigError.self) { try SamplerKind(name: "euler") }
        #expect(error?.key == "sampling.sampler")
    }

    @Test func guidanceCombinesUnconditionalAndConditional() throws {
        var generator = Philox(seed: 3)
        let uncond = generator.normal([2, 4, 2, 2]), cond = generator.normal([2, 4, 2, 2])
        let guided = ClassifierFreeGuidance.combine(unconditional: uncond, conditional: cond, scale: 7.5)
        let expected = zip(uncond.scalars, cond.scalars).map { $0 + 7.5 * ($1 - $0) }
        #expect(guided.scalars == expected)
        let batched = ClassifierFreeGuidance.combine(batched: Tensor.concatenate([uncond, cond], axis: 0), scale: 7.5)
        #expect(batched.scalars == expected)
        let unguided = ClassifierFreeGuidance.combine(unconditional: uncond, conditional: cond, scale: 1)
        #expect(SchedulerScheduleTests.relativeError(unguided, cond) <= 1e-6)
        #expect(ClassifierFreeGuidance.doubled(uncond).shape == [4, 4, 2, 2])
    }

    @Test func batchNoiseItemEqualsSingleImageWithNextSeed() throws {
        var batch = BatchNoise(seed: 100, count: 3)
        var single = BatchNoise(seed: 102, count: 1)
        for _ in 0..<2 {  // the initial latents, then a step's noise
            let many = batch.normal([3, 4, 8, 8]), one = single.normal([1, 4, 8, 8])
            #expect(many.slice(rows: 2..<3).scalars == one.scalars)
        }
        // An ancestral sampler driven by BatchNoise keeps the property.
        let schedule = NoiseSchedule(.scaledLinear, betaStart: 0.00085, betaEnd: 0.012)
        func generate(seed: UInt64, count: Int) throws -> Tensor {
            var sampler = EulerAncestralSampler(schedule: schedule)
            var noise = BatchNoise(seed: seed, count: count)
            let timesteps = try sampler.timesteps(steps: 5)
            var x = noise.normal([count, 4, 4, 4]) * sampler.initNoiseSigma
            for t in timesteps {
                let output = sampler.scaleModelInput(x, timestep: t) * 0.5
                x = sampler.step(modelOutput: output, timestep: t, sample: x, noise: &noise)
            }
            return x
        }
        #expect(try generate(seed: 7, count: 2).slice(rows: 1..<2).scalars == (try generate(seed: 8, count: 1)).scalars)
    }
}
