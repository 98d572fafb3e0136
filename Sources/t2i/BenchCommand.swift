import ArgumentParser
import TensorCore

/// `t2i bench`: measure the engine on reference workloads (DESIGN §9).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure kernels and training steps against the machine's sgemm GFLOP/s.",
        subcommands: [Kernels.self, TrainEncoder.self, TrainAE.self, TrainUNet.self, Generate.self]
    )
}

extension BenchCommand {
    /// `t2i bench kernels`: time the CPU kernels on reference shapes.
    struct Kernels: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time GEMM, conv2d, attention and group norm; print GFLOP/s as a percentage of sgemm.",
            discussion: """
                The machine's sgemm GFLOP/s is measured on 1024³ and 2048³ through the engine's \
                block-parallel GEMM using every thread. Every other workload runs its trials \
                interleaved with trials of the 1024³ sgemm (memory-bound ones: of a copy of as many \
                bytes) and is printed as a percentage of that reference measured alongside it, so \
                the ratio holds on a shared machine. Each figure is the median of several timed \
                trials; "cores" is CPU time over wall time during them.
                """
        )

        @Option(name: .long, help: "Threads to use (default: T2I_THREADS, else every core).")
        var threads: Int?

        @Option(name: .long, help: "Timed trials per workload; the median is printed.")
        var trials: Int = 5

        @Option(name: .long, help: ArgumentHelp("Shortest duration of one trial.", valueName: "seconds"))
        var trialSeconds: Double = 0.25

        @Option(name: .long, help: ArgumentHelp("Run only workloads whose name contains one of these comma-separated texts, e.g. sgemm,conv2d.",
                                                valueName: "text"))
        var only: String?

        func validate() throws {
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
            guard trials >= 1 else { throw ValidationError("--trials must be at least 1, got \(trials)") }
            guard trialSeconds > 0, trialSeconds.isFinite else {
                throw ValidationError("--trial-seconds must be positive, got \(trialSeconds)")
            }
        }

        func run() throws {
            let threads = self.threads ?? Parallel.maxThreads
            let benchmark = KernelBenchmark(trials: trials, trialSeconds: trialSeconds, only: only)
            print("t2i bench kernels: \(threads) threads, OpenBLAS single-threaded inside block-parallel loops, "
                  + "OpenBLAS kernels \(benchmark.blasKernels), "
                  + "median of \(trials) trials of ≥ \(trialSeconds) s")
            print(KernelBenchmark.header)
            Parallel.$maxThreads.withValue(threads) {
                _ = benchmark.run { print(KernelBenchmark.format($0)) }
            }
        }
    }
}
