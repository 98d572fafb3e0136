import ArgumentParser
import Foundation
import Diffusion
import Imaging

/// `t2i diffuse IMAGE.png`: the forward process q(x_t | x₀) as a strip of decoded latents.
struct DiffuseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diffuse",
        abstract: "Show the forward process q(x_t | x0) on an image: a strip of decoded noisy latents at chosen timesteps.",
        discussion: """
            Encodes IMAGE with the run's autoencoder (vae/; the image must be its sample size), \
            noises the latents to x_t = sqrt(ᾱ_t)·x0 + sqrt(1−ᾱ_t)·ε at each timestep with one seeded \
            ε, and decodes each. The strip, left to right: the input image, then one frame per \
            timestep in the order given. The schedule is the run's scheduler/ (else its config.yaml, \
            else the default). The run: --run DIR, else runs/shapes-32, else Data/models/shapes-32.
            """
    )

    @Argument(help: ArgumentHelp("A PNG of the autoencoder's sample size.", valueName: "image.png"))
    var image: String

    @Option(name: .customLong("run"), help: ArgumentHelp("The run folder (needs vae/).", valueName: "dir"))
    var runPath: String?

    @Option(name: .long, help: ArgumentHelp("Comma-separated timesteps, in strip order.", valueName: "t,t,…"))
    var timesteps: String = ForwardProcessStrip.defaultTimesteps.map(String.init).joined(separator: ",")

    @Option(name: .long, help: "Seed of the noise ε.")
    var seed: UInt64 = 0

    @Option(name: .long, help: ArgumentHelp("Output PNG (default: IMAGE-forward.png).", valueName: "path"))
    var out: String?

    func parsedTimesteps() throws -> [Int] {
        let parts = timesteps.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.map { part in
            guard let t = Int(part) else { throw ValidationError("--timesteps: '\(part)' is not an integer timestep") }
            return t
        }
    }

    func validate() throws {
        guard try !parsedTimesteps().isEmpty else { throw ValidationError("--timesteps: give at least one timestep") }
    }

    func run() throws {
        let (folder, _) = try PipelineLocator(parts: [.vae]).locate(run: runPath)
        let scheduler: SchedulerConfig
        if FileManager.default.fileExists(atPath: PipelineLocator.Part.scheduler.marker(in: folder).path) {
            scheduler = try SchedulerFolder.read(from: folder.scheduler)
        } else {
            scheduler = try folder.readConfig()?.scheduler ?? SchedulerConfig()
        }
        if let out { try GenerationFiles.checkOther(URL(fileURLWithPath: out)) }
        let schedule = try NoiseSchedule(scheduler, source: folder.configFile.path)
        let vae = try AutoencoderKL(contentsOf: folder.vae)
        let source = URL(fileURLWithPath: image)
        let steps = try parsedTimesteps()
        let frames = try ForwardProcessStrip.frames(image: try Image.readPNG(at: source), source: source.path, vae: vae,
                                                    schedule: schedule, timesteps: steps, seed: seed)
        let output = URL(fileURLWithPath: out ?? GenerationFiles.sibling(of: source, suffix: "-forward").path)
        let list = steps.map(String.init).joined(separator: ", ")
        try GenerationFiles.writeOther(ForwardProcessStrip.strip(frames), to: output, version: T2IVersion.string, ownPlace: out == nil, text: [
            (key: "Description", value: "t2i diffuse: the input, then decoded x_t at t = \(list) (seed \(seed), model \(folder.url.path))"),
        ])
        print("wrote \(output.path): the input, then decoded x_t at t = \(list)")
        print("     t   sqrt(ᾱ_t)   sqrt(1−ᾱ_t)   SNR")
        for t in steps {
            let a = Double(schedule.alphasCumprod[t])
            print(String(format: "%6d   %9.4f   %11.4f   %.4g", t, a.squareRoot(), (1 - a).squareRoot(), a / (1 - a)))
        }
    }
}
