import ArgumentParser
import Foundation
import Diffusion
import TensorCore

extension BenchCommand {
    /// `t2i bench train-unet`: time U-Net training steps of the default config (DESIGN §9).
    struct TrainUNet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-unet",
            abstract: "Time U-Net training steps at batch 64 on random latents and text states; print s/step and GFLOP/s.",
            discussion: """
                Random latents (B, 4, 8, 8), text states (B, max_length, cross_attention_dim) and \
                timesteps; each step draws ε, noises, predicts and takes the ε-MSE loss, then \
                backward, clipping and AdamW. GFLOP/s counts the convolution, linear and attention \
                products that ran (multiply-add = 2), forward and backward.
                """
        )

        @Option(name: .long, help: "A YAML config (default: the built-in default config).")
        var config: String?

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        @Option(name: .long, help: "Timed steps.")
        var steps: Int = 5

        @Option(name: .long, help: "Latents per step.")
        var batchSize: Int = 64

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        }

        func run() throws {
            let config = try ConfigLoader.load(file: self.config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
            var bench = try UNetStage.benchmark(config: config, batchSize: batchSize)
            print("t2i bench train-unet: UNet2DConditionModel \(bench.model.parameterCount) parameters, batch \(batchSize), "
                  + "\(Parallel.maxThreads) threads, 1 warmup + \(steps) timed steps")
            let results = bench.run(warmup: 1, steps: steps)
            let times = results.map(\.seconds).sorted()
            let median = times[times.count / 2]
            let flops = Double(results.last?.flops ?? 0)
            print(String(format: "time per step: median %.3f s (%.2f steps/s, %.0f latents/s); loss %.4f", median, 1 / median,
                         Double(batchSize) / median, results.last?.loss ?? .nan))
            print(String(format: "GFLOP/s: %.1f (%.2f GFLOP per step)", flops / median / 1e9, flops / 1e9))
        }
    }
}
