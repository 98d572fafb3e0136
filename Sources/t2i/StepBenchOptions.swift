import ArgumentParser
import Foundation
import Diffusion
import TensorCore

/// Options shared by the `t2i bench train-*` commands that time whole training steps.
struct StepBenchOptions: ParsableArguments {
    @Option(name: .long, help: "A YAML config (default: the built-in default config).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .long, help: "Timed steps.")
    var steps: Int = 5

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    /// The config to benchmark: the given file (or the defaults) with the overrides.
    func loadConfig() throws -> RunConfig {
        try ConfigLoader.load(file: config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
    }

    /// Runs `bench` (1 warmup step, then `steps`) and prints the median time and GFLOP/s;
    /// `unit` names what one batch item is ("images", "latents").
    func report<Model>(_ bench: inout StepBenchmark<Model>, batchSize: Int, unit: String) {
        let results = bench.run(warmup: 1, steps: steps)
        let times = results.map(\.seconds).sorted()
        let median = times[times.count / 2]
        let flops = Double(results.last?.flops ?? 0)
        print(String(format: "time per step: median %.3f s (%.2f steps/s, %.0f %@/s; min %.3f s, max %.3f s); loss %.4f",
                     median, 1 / median, Double(batchSize) / median, unit, times[0], times[times.count - 1],
                     results.last?.loss ?? .nan))
        if let last = results.last {
            Self.printRateAndMemory(flops: flops, seconds: median, per: "step", peakBytes: last.peakBytes,
                                    allocations: last.allocations, systemAllocations: last.systemAllocations)
        }
    }

    /// The lines every bench prints under its time: GFLOP/s, as a share of this machine's sgemm
    /// (measured now, after the timed work), and the tensor memory of one `per` ("step").
    static func printRateAndMemory(flops: Double, seconds: Double, per: String, peakBytes: Int,
                                   allocations: Int, systemAllocations: Int) {
        let sgemm = KernelBenchmark(trials: 3).sgemmRate()
        print(String(format: "GFLOP/s: %.1f (%.2f GFLOP per %@), %.0f %% of this machine's sgemm (%.1f GFLOP/s, measured after)",
                     flops / seconds / 1e9, flops / 1e9, per, 100 * flops / seconds / 1e9 / sgemm, sgemm))
        print("memory: peak \(TensorMemory.describe(peakBytes)) of tensors in a \(per); \(allocations) tensor allocations per \(per), "
              + "\(systemAllocations) of them fresh from the system (the rest reuse cached buffers)")
    }
}
