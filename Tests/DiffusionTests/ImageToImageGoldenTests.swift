import Foundation
import Testing
import TensorCore
import Diffusion

/// Noise a test controls: every draw takes the next values of one recorded stream, in order.
struct RecordedNoise: NoiseSource {
    let values: [Float]
    var used = 0
    var draws = 0

    mutating func normal(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        guard used + count <= values.count else { preconditionFailure("recorded noise ran out at draw \(draws + 1) of shape \(shape)") }
        defer { used += count; draws += 1 }
        return Tensor(shape: shape, data: Array(values[used..<(used + count)]))
    }
}

/// Image-to-image and inpainting against diffusers' StableDiffusionImg2ImgPipeline and
/// StableDiffusionInpaintPipeline on the tiny U-Net and autoencoder fixtures, with the same noise
/// injected (scripts/fixtures/img2img.py, Tests/Fixtures/img2img/trajectories.safetensors).
@Suite struct ImageToImageGoldenTests {
    static let url = TestFiles.fixtures.appendingPathComponent("img2img/trajectories.safetensors")
    static let names = ["img2img_ddim", "img2img_ddpm", "img2img_euler_a", "img2img_dpmpp_2m",
                        "inpaint_ddim", "inpaint_euler_a_full", "inpaint_dpmpp_2m"]

    struct Case {
        let sampler: String, steps: Int, strength: Double, guidance: Float, count: Int, mask: Bool, stepsRun: Int, draws: Int
    }

    static func cases() throws -> [String: Case] {
        let file = try SafetensorsFile(contentsOf: url)
        let text = try #require(file.metadata["cases"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: Any]])
        return try json.mapValues { e in
            Case(sampler: try #require(e["scheduler"] as? String), steps: try #require(e["steps"] as? Int),
                 strength: try #require(e["strength"] as? Double), guidance: Float(try #require(e["guidance"] as? Double)),
                 count: try #require(e["count"] as? Int), mask: try #require(e["mask"] as? Bool),
                 stepsRun: try #require(e["steps_run"] as? Int), draws: try #require(e["draws"] as? Int))
        }
    }

    static func denoiser() throws -> LatentDenoiser {
        let unet = try UNet2DConditionModel(contentsOf: TestFiles.fixtures.appendingPathComponent("unet/tiny"))
        let vae = try AutoencoderKL(contentsOf: TestFiles.fixtures.appendingPathComponent("autoencoder/tiny"))
        return LatentDenoiser(unet: unet, vae: vae, schedule: NoiseSchedule(.scaledLinear, betaStart: 0.00085, betaEnd: 0.012),
                              predictionType: .epsilon)
    }

    @Test func fixtureHoldsEveryCase() throws {
        #expect(try Self.cases().keys.sorted() == Self.names.sorted())
    }

    /// Latents after every step, and the decoded result, within the sampler tolerances; the number of
    /// steps run (diffusers' get_timesteps) and of noise draws equal.
    @Test(arguments: names)
    func matchesDiffusers(_ name: String) throws {
        let file = try SafetensorsFile(contentsOf: Self.url)
        let c = try #require(try Self.cases()[name])
        func tensor(_ key: String) throws -> Tensor { try Tensor(shape: file.info(key).shape, data: file.floats(key)) }
        let denoiser = try Self.denoiser()
        let positive = try tensor("prompt_embeds"), negative = try tensor("negative_prompt_embeds")
        let n = c.count
        let context = Tensor.concatenate(Array(repeating: negative, count: n) + Array(repeating: positive, count: n), axis: 0)
        let guided = c.guidance != 1
        let conditioning = guided ? context : Tensor.concatenate(Array(repeating: positive, count: n), axis: 0)
        var request = GenerationRequest(prompt: "")
        request.sampler = c.sampler
        request.steps = c.steps
        request.guidance = c.guidance
        request.count = n
        let input = ImageToImageInput(image: try tensor("image"), mask: c.mask ? try tensor("mask") : nil, strength: c.strength)
        var noise = RecordedNoise(values: try file.floats("\(name).noise"))
        var latents: [Tensor] = []
        let final = try denoiser.sample(count: n, context: conditioning, lengths: Array(repeating: 5, count: guided ? 2 * n : n),
                                        request: request, input: input, noise: &noise, afterStep: { latents.append($0) })
        #expect(InitialImage.stepsRun(steps: c.steps, strength: c.strength) == c.stepsRun)
        #expect(latents.count == c.stepsRun, "\(name): ran \(latents.count) steps, diffusers \(c.stepsRun)")
        #expect(noise.draws == c.draws, "\(name): drew noise \(noise.draws) times, diffusers \(c.draws)")
        #expect(noise.used == noise.values.count)
        let expected = try tensor("\(name).latents")
        for (i, got) in latents.enumerated() {
            let want = SchedulerTrajectoryTests.item(expected, i)
            let error = SchedulerScheduleTests.relativeError(got, want)
            #expect(error <= 1e-4, "\(name) step \(i + 1) of \(c.stepsRun): latents relative error \(error)")
        }
        let decoded = denoiser.decode(final)
        let decodedError = SchedulerScheduleTests.relativeError(decoded, try tensor("\(name).decoded"))
        #expect(decodedError <= 1e-4, "\(name): decoded relative error \(decodedError)")
    }
}
