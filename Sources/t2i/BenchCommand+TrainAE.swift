import ArgumentParser
import Foundation
import Diffusion
import TensorCore

extension BenchCommand {
    /// `t2i bench train-ae`: time autoencoder training steps of the default config (DESIGN §9).
    struct TrainAE: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-ae",
            abstract: "Time autoencoder training steps at batch 32 on random images; print s/step and GFLOP/s.",
            discussion: "GFLOP/s counts the convolution and attention products that ran (multiply-add = 2), forward and backward."
        )

        @OptionGroup var options: StepBenchOptions

        @Option(name: .long, help: "Images per step.")
        var batchSize: Int = 32

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        }

        func run() throws {
            let config = try options.loadConfig()
            var bench = try AutoencoderStage.benchmark(config: config, batchSize: batchSize)
            print("t2i bench train-ae: AutoencoderKL \(bench.model.parameterCount) parameters, batch \(batchSize), "
                  + "\(Parallel.maxThreads) threads, 1 warmup + \(options.steps) timed steps")
            options.report(&bench, batchSize: batchSize, unit: "images")
        }
    }
}
