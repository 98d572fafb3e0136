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

        @Option(name: .long, help: "A YAML config (default: the built-in default config).")
        var config: String?

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        @Option(name: .long, help: "Timed steps.")
        var steps: Int = 5

        @Option(name: .long, help: "Images per step.")
        var batchSize: Int = 32

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        }

        func run() throws {
            let config = try ConfigLoader.load(file: self.config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
            var bench = try AutoencoderStage.benchmark(config: config, batchSize: batchSize)
            print("t2i bench train-ae: AutoencoderKL \(bench.model.parameterCount) parameters, batch \(batchSize), "
                  + "\(Parallel.maxThreads) threads, 1 warmup + \(steps) timed steps")
            let results = bench.run(warmup: 1, steps: steps)
            let times = results.map(\.seconds).sorted()
            let median = times[times.count / 2]
            let flops = Double(results.last?.flops ?? 0)
            print(String(format: "time per step: median %.3f s (%.2f steps/s, %.0f images/s)", median, 1 / median, Double(batchSize) / median))
            print(String(format: "GFLOP/s: %.1f (%.2f GFLOP per step)", flops / median / 1e9, flops / 1e9))
        }
    }
}
