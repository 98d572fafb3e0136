import ArgumentParser
import Foundation
import Diffusion
import TensorCore

extension BenchCommand {
    /// `t2i bench generate`: time text-to-image generation of the default config (DESIGN §9).
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Time generating 16 images with 50 DDIM steps and guidance (decode included) with random weights; print time and GFLOP/s.",
            discussion: """
                Builds the config's pipeline with random weights (a tokenizer trained in memory on \
                shapes captions, CLIPTextModel, AutoencoderKL, U-Net), runs one untimed 1-step \
                generation of the same batch as warmup, then times --runs full generations: text \
                encoding, --steps U-Net calls (at batch 2·count with guidance ≠ 1), sampler steps and \
                the decode. GFLOP/s counts the convolution, linear and attention products that ran \
                (multiply-add = 2).
                """
        )

        @Option(name: .long, help: "A YAML config (default: the built-in default config).")
        var config: String?

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        @Option(name: .long, help: "Images per generation.")
        var count: Int = 16

        @Option(name: .long, help: "DDIM steps.")
        var steps: Int = 50

        @Option(name: .long, help: "Guidance scale (1 turns guidance off: one U-Net pass per step).")
        var guidance: Float = 4

        @Option(name: .long, help: "Timed generations; the median is printed.")
        var runs: Int = 1

        func validate() throws {
            guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
            guard guidance.isFinite else { throw ValidationError("--guidance must be a finite number") }
        }

        func run() throws {
            let config = try ConfigLoader.load(file: self.config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
            let bench = try GenerationBenchmark(config: config)
            let p = bench.pipeline
            let batch = guidance != 1 ? 2 * count : count
            print("t2i bench generate: text encoder \(p.textEncoder.parameterCount), autoencoder \(p.vae.parameterCount), "
                  + "U-Net \(p.unet.parameterCount) parameters; \(count) images of \(config.vae.sampleSize)×\(config.vae.sampleSize), "
                  + "\(steps) DDIM steps, guidance \(guidance) (U-Net batch \(batch)), decode included; \(Parallel.maxThreads) threads")
            _ = try bench.run(GenerationBenchmark.request(count: count, steps: 1, guidance: guidance))
            let request = GenerationBenchmark.request(count: count, steps: steps, guidance: guidance)
            let bar = GenerateCommand.StepProgress(label: "denoising")
            let results = try (0..<runs).map { _ in try bench.run(request) { bar.update($0, of: $1) } }
            let times = results.map(\.seconds).sorted()
            let median = times[times.count / 2]
            let flops = Double(results.last?.flops ?? 0)
            print(String(format: "time: %.3f s per generation (%.4f s per step, %.2f images/s)", median, median / Double(steps),
                         Double(count) / median))
            if let last = results.last {
                StepBenchOptions.printRateAndMemory(flops: flops, seconds: median, per: "generation", peakBytes: last.peakBytes,
                                                    allocations: last.allocations, systemAllocations: last.systemAllocations)
            }
        }
    }
}
