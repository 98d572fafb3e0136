import Foundation
import Testing
import TensorCore
import Imaging
import Diffusion

/// File names, writing, the trajectory's frames, the forward-process strip and model lookup.
@Suite("generation files")
struct GenerationFilesTests {
    @Test("slug and default output names")
    func names() {
        #expect(GenerationFiles.slug("A large red circle, in the CENTER!") == "a-large-red-circle-in-the-center")
        #expect(GenerationFiles.slug("  🟥 ") == "image")
        #expect(GenerationFiles.slug(String(repeating: "ab ", count: 50)).count <= 60)
        #expect(GenerationFiles.defaultOutput(prompt: "a b", seed: 7) == "outputs/a-b-s7.png")
        let out = URL(fileURLWithPath: "/x/y/img.png")
        #expect(GenerationFiles.imageFiles(out: out, count: 1, grid: false).map(\.path) == ["/x/y/img.png"])
        #expect(GenerationFiles.imageFiles(out: out, count: 3, grid: true).map(\.path) == ["/x/y/img.png"])
        #expect(GenerationFiles.imageFiles(out: out, count: 2, grid: false).map(\.path) == ["/x/y/img-0.png", "/x/y/img-1.png"])
        #expect(GenerationFiles.sibling(of: out, suffix: "-trajectory").path == "/x/y/img-trajectory.png")
        #expect(GenerationFiles.gridColumns(1) == 1 && GenerationFiles.gridColumns(4) == 2 && GenerationFiles.gridColumns(5) == 3)
    }

    @Test("a batch written as files: each records its own seed; the same input gives the same bytes")
    func writeBatch() throws {
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var request = GenerationRequest(prompt: "p")
        request.count = 3
        request.seed = 40
        let metadata = GenerationMetadata(request: request, model: "m", version: "v")
        let images = try (0..<3).map { try Image(width: 2, height: 2, format: .rgb, fill: (UInt8($0 * 50), 0, 0)) }
        let out = folder.appendingPathComponent("sub/out.png")
        let files = try GenerationFiles.write(images, metadata: metadata, to: out, grid: false)
        #expect(files.map(\.lastPathComponent) == ["out-0.png", "out-1.png", "out-2.png"])
        for (i, file) in files.enumerated() {
            let back = try GenerationMetadata(contentsOf: file)
            #expect(back.seed == 40 + UInt64(i) && back.count == 1)
            #expect(try Image.readPNG(at: file) == images[i])
        }
        let first = try Data(contentsOf: files[0])
        try GenerationFiles.write(images, metadata: metadata, to: out, grid: false)
        #expect(try Data(contentsOf: files[0]) == first)
        let gridFile = folder.appendingPathComponent("grid.png")
        try GenerationFiles.write(images, metadata: metadata, to: gridFile, grid: true)
        let back = try GenerationMetadata(contentsOf: gridFile)
        #expect(back.count == 3 && back.seed == 40)
    }

    @Test("trajectory: about 10 frames, always the last step")
    func trajectoryFrames() throws {
        let t = GenerationTrajectory(steps: 50)
        #expect(t.interval == 5)
        #expect((1...50).filter(t.wants) == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50])
        let odd = GenerationTrajectory(steps: 23)
        #expect((1...23).filter(odd.wants) == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 23])
        var few = GenerationTrajectory(steps: 3)
        for step in 1...3 { try few.record(step: step, predicted: Tensor(zeros: [2, 3, 4, 4])) }
        let strip = try few.strip()
        #expect(strip.width == 3 * 4 + 4 && strip.height == 2 * 4 + 3)
    }

    @Test("forward-process strip: the input then one frame per timestep; size and timestep errors")
    func forwardStrip() throws {
        var config = AutoencoderConfig()
        config.blockOutChannels = [16, 16]
        config.normNumGroups = 8
        config.sampleSize = 16
        var g = Philox(seed: 1)
        let vae = try AutoencoderKL(config: config, generator: &g)
        let schedule = NoiseSchedule(.scaledLinear, trainSteps: 1000, betaStart: 0.00085, betaEnd: 0.012)
        let image = ShapesProbe.prompts[0].render(size: 16)
        let frames = try ForwardProcessStrip.frames(image: image, source: "in.png", vae: vae, schedule: schedule,
                                                    timesteps: [0, 500, 999], seed: 3)
        #expect(frames.count == 4)
        #expect(frames[0] == image)
        #expect(frames.allSatisfy { $0.width == 16 && $0.height == 16 })
        let again = try ForwardProcessStrip.frames(image: image, source: "in.png", vae: vae, schedule: schedule,
                                                   timesteps: [0, 500, 999], seed: 3)
        #expect(again == frames)
        #expect(throws: TrainingError.self) {
            try ForwardProcessStrip.frames(image: ShapesProbe.prompts[0].render(size: 32), source: "big.png", vae: vae,
                                           schedule: schedule, timesteps: [0], seed: 0)
        }
        #expect(throws: TrainingError.self) {
            try ForwardProcessStrip.frames(image: image, source: "in.png", vae: vae, schedule: schedule, timesteps: [1000], seed: 0)
        }
    }

    @Test("model lookup: a named folder must exist and hold the parts; errors name the file")
    func locator() throws {
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try PipelineLocator().locate(run: folder.appendingPathComponent("nope").path)
            Issue.record("expected an error")
        } catch let error as TrainingError {
            #expect(error.message.contains("nope: no such run folder"))
        }
        do {
            _ = try PipelineLocator().locate(run: folder.path)
            Issue.record("expected an error")
        } catch let error as TrainingError {
            #expect(error.message.contains("tokenizer/tokenizer.model: missing") && error.message.contains("train-encoder"))
        }
        let run = RunFolder(folder)
        try FileManager.default.createDirectory(at: run.vae, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: run.vae.appendingPathComponent("config.json"))
        #expect(try PipelineLocator(parts: [.vae]).locate(run: folder.path).path == folder.path)
    }

    @Test("request defaults come from the run's sampling section")
    func runDefaults() throws {
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = RunFolder(folder)
        #expect(try GenerationRequest(prompt: "p", defaultsOf: run) == GenerationRequest(prompt: "p"))
        var config = RunConfig()
        config.sampling.steps = 12
        config.sampling.sampler = "euler_ancestral"
        config.sampling.guidance = 2.5
        try run.writeConfig(config)
        let r = try GenerationRequest(prompt: "p", defaultsOf: run)
        #expect(r.steps == 12 && r.sampler == "euler_ancestral" && r.guidance == 2.5 && r.prompt == "p")
    }
}
