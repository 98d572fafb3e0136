import ArgumentParser
import Foundation
import Diffusion
import TensorCore

extension BenchCommand {
    /// `t2i bench train-encoder`: time CLIP training steps of the default config (DESIGN §9).
    struct TrainEncoder: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-encoder",
            abstract: "Time CLIP training steps at batch 64 on synthetic data; print s/step and GFLOP/s.",
            discussion: """
                Builds the config's CLIP model (default: the default config, vocabulary 512) and times \
                full training steps (forward, backward, clipping, AdamW) on one batch of random images \
                and captions, after 2 warmup steps. GFLOP/s uses the analytic count of the matrix \
                products (forward 2·m·n·k, backward 2× forward); the engine's own count of what ran is \
                printed beside it, and both next to the machine's sgemm GFLOP/s measured alongside.
                """
        )

        @Option(name: .long, help: "A YAML config (default: the built-in default config).")
        var config: String?

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        @Option(name: .long, help: "Timed steps.")
        var steps: Int = 10

        @Option(name: .long, help: "Pairs per step.")
        var batchSize: Int = 64

        @Option(name: .long, help: "Token table rows (the tokenizer's vocabulary).")
        var vocabSize: Int = 512

        @Option(name: .long, help: "Threads to use (default: T2I_THREADS, else every core).")
        var threads: Int?

        @Flag(name: .long, help: "Skip the sgemm reference measurement.")
        var noSgemm = false

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2, got \(batchSize)") }
            guard vocabSize > 4 else { throw ValidationError("--vocab-size must be above 4 (the special pieces), got \(vocabSize)") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        }

        func run() throws {
            let config = try ConfigLoader.load(file: self.config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
            let threads = self.threads ?? Parallel.maxThreads
            try Parallel.$maxThreads.withValue(threads) {
                var bench = try TextEncoderStage.Benchmark(config: config, vocabularySize: vocabSize, batchSize: batchSize)
                let flops = TextEncoderStage.FLOPs(config: config, batchSize: batchSize)
                print("t2i bench train-encoder: CLIP \(bench.model.parameterCount) parameters, batch \(batchSize), "
                      + "\(threads) threads, 2 warmup + \(steps) timed steps")
                print(String(format: "analytic FLOPs per step: %.2f GFLOP = 3 × forward %.2f (text %.2f + vision %.2f + similarity %.3f)",
                             flops.trainingStep / 1e9, flops.forward / 1e9, flops.text / 1e9, flops.vision / 1e9, flops.similarity / 1e9))
                for _ in 0..<2 { _ = bench.step() }
                var times: [Double] = []
                var counted = 0
                for i in 0..<steps {
                    let s = bench.step()
                    times.append(s.seconds)
                    counted = s.countedFLOPs
                    print(String(format: "  step %d: %.3f s  loss %.4f", i + 1, s.seconds, s.loss))
                }
                let sorted = times.sorted()
                let median = sorted[sorted.count / 2]
                let mean = times.reduce(0, +) / Double(times.count)
                print(String(format: "time per step: median %.3f s, mean %.3f s (%.2f steps/s, %.0f images/s)",
                             median, mean, 1 / median, Double(batchSize) / median))
                print(String(format: "GFLOP/s: %.1f (analytic %.2f GFLOP/step); engine-counted %.2f GFLOP/step → %.1f GFLOP/s",
                             flops.trainingStep / median / 1e9, flops.trainingStep / 1e9, Double(counted) / 1e9,
                             Double(counted) / median / 1e9))
                if !noSgemm {
                    let reference = KernelBenchmark(trials: 3, trialSeconds: 0.25, only: "sgemm 1024").run()
                    if let sgemm = reference.first {
                        print(String(format: "machine sgemm (1024³, same threads): %.1f GFLOP/s → the step runs at %.0f %% of it",
                                     sgemm.rate, 100 * flops.trainingStep / median / 1e9 / sgemm.rate))
                    }
                }
            }
        }
    }
}
