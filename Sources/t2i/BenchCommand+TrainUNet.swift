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

        @OptionGroup var options: StepBenchOptions

        @Option(name: .long, help: "Latents per step.")
        var batchSize: Int = 64

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        }

        func run() throws {
            let config = try options.loadConfig()
            var bench = try UNetStage.benchmark(config: config, batchSize: batchSize)
            print("t2i bench train-unet: UNet2DConditionModel \(bench.model.parameterCount) parameters, batch \(batchSize), "
                  + "\(Parallel.maxThreads) threads, 1 warmup + \(options.steps) timed steps")
            options.report(&bench, batchSize: batchSize, unit: "latents")
        }
    }
}
