import ArgumentParser
import Diffusion

/// The generation options the shapes probes share (`t2i eval shapes`, `t2i eval edits`).
struct ProbeOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Images per prompt (seeds --seed, --seed + 1, …), 1...\(Self.maxSeeds).")
    var seeds: Int = 2

    /// The most images per prompt one probe makes: enough for a tight estimate, and a bound on the time.
    static let maxSeeds = 1000

    @Option(name: .long, parsing: .unconditional, help: "The first seed.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Sampler: ddim, ddpm, euler_ancestral or dpmpp_2m.")
    var sampler: String = "ddim"

    @Option(name: .long, help: "Guidance scale (default: the run's sampling.guidance).")
    var guidance: Float?

    func validate() throws {
        guard (1...Self.maxSeeds).contains(seeds) else { throw ValidationError("--seeds must be in 1...\(Self.maxSeeds), got \(seeds)") }
        if let guidance, !guidance.isFinite { throw ValidationError("--guidance must be a finite number") }
        _ = try SamplerKind(name: sampler, source: "--sampler")
    }

    /// The probe settings with `steps`, guidance and η defaulting to the run's `sampling` section.
    func settings(steps: Int, run folder: RunFolder) throws -> ShapesProbe.Settings {
        let defaults = try GenerationRequest(prompt: "", defaultsOf: folder)
        var settings = ShapesProbe.Settings()
        settings.seeds = seeds
        settings.seed = seed
        settings.steps = steps
        settings.sampler = sampler
        settings.guidance = guidance ?? defaults.guidance
        settings.eta = defaults.eta
        return settings
    }
}
