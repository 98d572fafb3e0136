import Dispatch
import Foundation

/// `t2i bench kernels`: times the CPU kernels on reference shapes and compares them with the machine's sgemm.
///
/// The machine's sgemm GFLOP/s is measured on large squares (1024³, 2048³) through our own
/// block-parallel `gemm` with every allowed thread. Each other workload then runs its timed trials
/// **interleaved** with trials of the 1024³ sgemm (or, for memory-bound kernels, of a copy of as
/// many bytes), and is reported as a percentage of that reference measured alongside it: on a
/// shared machine both see the same contention, so the ratio stays meaningful. The `cores`
/// column is the process's CPU time over wall time during the workload's trials (2.0 = both
/// cores busy throughout); a low value means another process took a core.
///
/// Issue 4's bar: conv2d forward ≥ 70 % and forward+backward ≥ 55 % of sgemm on
/// (B 16, 64→64, 32×32, 3×3, pad 1). FLOPs: 2·B·Cout·OH·OW·Cin·KH·KW per pass, 3× for forward+backward.
public struct KernelBenchmark: Sendable {
    /// One measured workload.
    public struct Result: Sendable {
        /// What ran, e.g. "conv2d fwd B16 64→64 32×32 k3 p1".
        public var name: String
        /// Median seconds per call over the trials.
        public var seconds: Double
        /// Work per call: FLOPs (`isFlops`) or bytes moved.
        public var work: Double
        /// Whether `work` counts FLOPs (else bytes).
        public var isFlops: Bool
        /// The rate as a percentage of the reference measured alongside (sgemm or copy), if any.
        public var percentOfReference: Double?
        /// The reference's own rate during this workload's trials (GFLOP/s or GB/s), if any.
        public var referenceRate: Double?
        /// Process CPU time ÷ wall time during the trials.
        public var cores: Double

        /// GFLOP/s or GB/s.
        public var rate: Double { work / seconds / 1e9 }
    }

    /// Timed trials per workload; the median is reported.
    public var trials: Int
    /// Shortest time of one trial, in seconds (a trial repeats the call until it lasts this long).
    public var trialSeconds: Double
    /// Only workloads whose name contains one of these comma-separated texts run; nil runs all.
    public var only: String?
    /// The backend under test.
    public var backend: CPUBackend

    /// A benchmark; the defaults take about a minute.
    public init(trials: Int = 5, trialSeconds: Double = 0.25, only: String? = nil, backend: CPUBackend = .shared) {
        precondition(trials > 0 && trialSeconds > 0, "benchmark needs positive trials and trial time")
        self.trials = trials
        self.trialSeconds = trialSeconds
        self.only = only
        self.backend = backend
    }

    /// OpenBLAS's kernel set behind every GEMM here (see `CPUBackend.blasKernels`).
    public var blasKernels: String { CPUBackend.blasKernels }

    /// The machine's sgemm rate in GFLOP/s: the median over `trials` of the 1024³ GEMM through the
    /// block-parallel `gemm` (what `t2i bench train-*` and `generate` divide by for "% of sgemm").
    public func sgemmRate() -> Double {
        measure(gemm(name: "sgemm 1024×1024×1024", m: 1024, n: 1024, k: 1024), alongside: nil).rate
    }

    /// Runs the workloads under the current `Parallel.maxThreads`, calling `progress` with each result as it completes.
    public func run(progress: (Result) -> Void = { _ in }) -> [Result] {
        var results: [Result] = []
        let sgemmReference = gemm(name: "sgemm 1024×1024×1024", m: 1024, n: 1024, k: 1024)
        /// Measures and reports the workload if selected, interleaved with `reference` when given.
        func record(_ name: String, alongside reference: Workload?, _ make: (String) -> Workload) {
            guard only.map({ $0.split(separator: ",").contains { name.contains($0) } }) ?? true else { return }
            let result = measure(make(name), alongside: reference)
            results.append(result)
            progress(result)
        }

        // The machine's sgemm: large squares through the block-parallel gemm.
        record(sgemmReference.name, alongside: nil) { _ in sgemmReference }
        record("sgemm 2048×2048×2048", alongside: nil) { gemm(name: $0, m: 2048, n: 2048, k: 2048) }

        let convShapes = [
            Conv2dGeometry(batch: 16, inChannels: 64, height: 32, width: 32, outChannels: 64, kernelSize: 3, padding: 1),
            Conv2dGeometry(batch: 64, inChannels: 128, height: 8, width: 8, outChannels: 128, kernelSize: 3, padding: 1),
            Conv2dGeometry(batch: 64, inChannels: 128, height: 4, width: 4, outChannels: 128, kernelSize: 3, padding: 1),
        ]
        for g in convShapes {
            let label = "B\(g.batch) \(g.inChannels)→\(g.outChannels) \(g.height)×\(g.width) k\(g.kernelHeight) p\(g.padH)"
            let (cout, kdim, pixels) = (g.outChannels, g.inChannels * g.kernelHeight * g.kernelWidth, g.outHeight * g.outWidth)
            // The GEMMs inside the convolution, alone (no im2col): what the conv could reach at best.
            record("  gemm fwd   \(cout)×\(pixels)×\(kdim) ×\(g.batch)", alongside: sgemmReference) {
                gemm(name: $0, m: cout, n: pixels, k: kdim, batch: g.batch)
            }
            record("  gemm dW    \(cout)×\(kdim)×\(pixels) ×\(g.batch) NT", alongside: sgemmReference) {
                gemm(name: $0, m: cout, n: kdim, k: pixels, transB: true, batch: g.batch)
            }
            record("  gemm dcols \(kdim)×\(pixels)×\(cout) ×\(g.batch) TN", alongside: sgemmReference) {
                gemm(name: $0, m: kdim, n: pixels, k: cout, transA: true, batch: g.batch)
            }
            record("conv2d fwd     \(label)", alongside: sgemmReference) { conv(name: $0, g, backward: false) }
            record("conv2d fwd+bwd \(label)", alongside: sgemmReference) { conv(name: $0, g, backward: true) }
        }

        let (heads, length, dim) = (64 * 4, 64, 32)
        for backward in [false, true] {
            record("attention \(backward ? "fwd+bwd" : "fwd    ") BH\(heads) L\(length) D\(dim) causal, 4 heads per row",
                   alongside: sgemmReference) {
                attention(name: $0, batchHeads: heads, length: length, headDim: dim, backward: backward)
            }
        }

        // Memory-bound kernels against a plain copy of as many bytes (cache-resident alike).
        let (batch, channels, spatial, groups) = (16, 64, 32 * 32, 32)
        let copyReference = copy(name: "copy 4 MiB", count: batch * channels * spatial)
        record(copyReference.name, alongside: nil) { _ in copyReference }
        for backward in [false, true] {
            record("groupnorm \(backward ? "fwd+bwd" : "fwd    ") N\(batch) C\(channels) 32×32 G\(groups)",
                   alongside: copyReference) {
                groupNorm(name: $0, batch: batch, channels: channels, spatial: spatial, groups: groups, backward: backward)
            }
        }
        // The polynomial activations, in the vector set the backend uses (`VectorISA.active`).
        for op in [UnaryOp.silu, .gelu] {
            for backward in [false, true] {
                record("\(op) \(backward ? "fwd+bwd" : "fwd    ") 1M (\(VectorISA.active.rawValue))", alongside: copyReference) {
                    activation(name: $0, op, count: batch * channels * spatial, backward: backward)
                }
            }
        }
        return results
    }

    /// The table heading matching `format(_:)`.
    public static let header =
        "kernel                                          time/call        rate          % of reference alongside   cores"

    /// One table line: name, time per call, GFLOP/s or GB/s, the percentage of the reference
    /// (with the reference's own rate during the same trials), and the cores used.
    public static func format(_ result: Result) -> String {
        let name = result.name.padding(toLength: 44, withPad: " ", startingAt: 0)
        let time = String(format: result.seconds >= 1e-2 ? "%9.2f ms" : "%9.3f ms", result.seconds * 1e3)
        let unit = result.isFlops ? "GFLOP/s" : "GB/s   "
        let rate = String(format: "%8.1f ", result.rate) + unit
        var percent = "                          "
        if let share = result.percentOfReference, let reference = result.referenceRate {
            percent = String(format: "%6.1f %% of %6.1f ", share, reference) + (result.isFlops ? "sgemm" : "copy ")
        }
        return "\(name) \(time)  \(rate)  \(percent)  \(String(format: "%5.2f", result.cores))"
    }

    // MARK: - Workloads

    /// A prepared workload: inputs allocated, `body` runs one call.
    private struct Workload {
        let name: String
        /// FLOPs or bytes per call.
        let work: Double
        let isFlops: Bool
        let body: () -> Void
    }

    private func gemm(name: String, m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                      batch: Int = 1) -> Workload {
        let a = Buffer(count: batch * m * k, seed: 1)
        let b = Buffer(count: batch * k * n, seed: 2)
        let c = Buffer(count: batch * m * n, seed: 3)
        let backend = self.backend
        return Workload(name: name, work: 2 * Double(batch * m * n * k), isFlops: true) {
            backend.batchedGemm(batch: batch, transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                                a: a.pointer, lda: transA ? m : k, strideA: m * k,
                                b: b.pointer, ldb: transB ? k : n, strideB: k * n,
                                beta: 0, c: c.pointer, ldc: n, strideC: m * n)
        }
    }

    private func conv(name: String, _ g: Conv2dGeometry, backward: Bool) -> Workload {
        let x = Buffer(count: g.inputCount, seed: 4)
        let w = Buffer(count: g.weightCount, seed: 5, scale: 0.05)
        let bias = Buffer(count: g.outChannels, seed: 6)
        let y = Buffer(count: g.outputCount, seed: 7)
        let dy = Buffer(count: g.outputCount, seed: 8)
        let dx = Buffer(count: g.inputCount, seed: 9)
        let dw = Buffer(count: g.weightCount, seed: 10)
        let db = Buffer(count: g.outChannels, seed: 11)
        let backend = self.backend
        // 2·B·Cout·OH·OW·Cin·KH·KW per pass; backward is two such products (dX and dW).
        let flops = 2 * Double(g.forwardMultiplyAdds) * (backward ? 3 : 1)
        return Workload(name: name, work: flops, isFlops: true) {
            backend.conv2dForward(g, input: x.pointer, weight: w.pointer, bias: bias.pointer, output: y.pointer)
            if backward {
                backend.conv2dBackward(g, input: x.pointer, weight: w.pointer, gradOutput: dy.pointer,
                                       gradInput: dx.pointer, gradWeight: dw.pointer, gradBias: db.pointer)
            }
        }
    }

    private func attention(name: String, batchHeads: Int, length: Int, headDim: Int, backward: Bool) -> Workload {
        let count = batchHeads * length * headDim
        let (q, k, v) = (Buffer(count: count, seed: 12), Buffer(count: count, seed: 13), Buffer(count: count, seed: 14))
        let out = Buffer(count: count, seed: 15)
        let probs = Buffer(count: batchHeads * length * length, seed: 16)
        let dOut = Buffer(count: count, seed: 17)
        let (dq, dk, dv) = (Buffer(count: count, seed: 18), Buffer(count: count, seed: 19), Buffer(count: count, seed: 20))
        let backend = self.backend
        let scale = 1 / Float(headDim).squareRoot()
        let mask = AttentionMask(heads: 4, causal: true)
        let layout = AttentionLayout.interleaved(heads: 4)  // as MultiHeadAttention runs it: (B, L, 4·D)
        // Forward: q·kᵀ and p·v; backward: four products of the same size. Causal masking is not discounted.
        let product = 2 * Double(batchHeads * length * length * headDim)
        return Workload(name: name, work: product * (backward ? 6 : 2), isFlops: true) {
            backend.attentionForward(q: q.pointer, k: k.pointer, v: v.pointer, output: out.pointer, probs: probs.pointer,
                                     batchHeads: batchHeads, queryLength: length, keyLength: length, headDim: headDim,
                                     scale: scale, mask: mask, layout: layout)
            if backward {
                backend.attentionBackward(q: q.pointer, k: k.pointer, v: v.pointer, probs: probs.pointer,
                                          gradOutput: dOut.pointer, gradQ: dq.pointer, gradK: dk.pointer, gradV: dv.pointer,
                                          batchHeads: batchHeads, queryLength: length, keyLength: length,
                                          headDim: headDim, scale: scale, layout: layout, overwriting: [])
            }
        }
    }

    private func copy(name: String, count: Int) -> Workload {
        let source = Buffer(count: count, seed: 21)
        let destination = Buffer(count: count, seed: 22)
        // Bytes read plus bytes written.
        return Workload(name: name, work: 8 * Double(count), isFlops: false) {
            destination.pointer.update(from: source.pointer, count: count)
        }
    }

    private func groupNorm(name: String, batch: Int, channels: Int, spatial: Int, groups: Int, backward: Bool) -> Workload {
        let count = batch * channels * spatial
        let x = Buffer(count: count, seed: 23)
        let y = Buffer(count: count, seed: 24)
        let gamma = Buffer(count: channels, seed: 25)
        let beta = Buffer(count: channels, seed: 26)
        let mean = Buffer(count: batch * groups, seed: 27)
        let rstd = Buffer(count: batch * groups, seed: 28)
        let dy = Buffer(count: count, seed: 29)
        let dx = Buffer(count: count, seed: 30)
        let dGamma = Buffer(count: channels, seed: 31)
        let dBeta = Buffer(count: channels, seed: 32)
        let backend = self.backend
        // Compulsory traffic: forward reads x, writes y; backward reads x, dy and dx, writes dx.
        let bytes = 4 * Double(count) * (backward ? 6 : 2)
        return Workload(name: name, work: bytes, isFlops: false) {
            backend.groupNormForward(input: x.pointer, gamma: gamma.pointer, beta: beta.pointer, output: y.pointer,
                                     mean: mean.pointer, rstd: rstd.pointer, batch: batch, channels: channels,
                                     spatial: spatial, groups: groups, eps: 1e-5)
            if backward {
                backend.groupNormBackward(input: x.pointer, gamma: gamma.pointer, mean: mean.pointer, rstd: rstd.pointer,
                                          gradOutput: dy.pointer, gradInput: dx.pointer, gradGamma: dGamma.pointer,
                                          gradBeta: dBeta.pointer, batch: batch, channels: channels, spatial: spatial,
                                          groups: groups)
            }
        }
    }

    private func activation(name: String, _ op: UnaryOp, count: Int, backward: Bool) -> Workload {
        let x = Buffer(count: count, seed: 33)
        let y = Buffer(count: count, seed: 34)
        let dy = Buffer(count: count, seed: 35)
        let dx = Buffer(count: count, seed: 36)
        let backend = self.backend
        // Compulsory traffic: forward reads x, writes y; backward reads x, dy and dx, writes dx.
        let bytes = 4 * Double(count) * (backward ? 6 : 2)
        return Workload(name: name, work: bytes, isFlops: false) {
            backend.unaryForward(op, input: x.pointer, output: y.pointer, count: count)
            if backward {
                backend.unaryBackward(op, input: x.pointer, output: y.pointer, gradOutput: dy.pointer,
                                      gradInput: dx.pointer, count: count)
            }
        }
    }

    // MARK: - Timing

    /// Median seconds per call of the workload over `trials` trials after a warm-up call, each trial
    /// preceded by a trial of `reference` (whose median rate becomes the 100 % mark).
    private func measure(_ workload: Workload, alongside reference: Workload?) -> Result {
        workload.body()
        reference?.body()
        var perCall: [Double] = []
        var referencePerCall: [Double] = []
        var wall = 0.0
        var cpu = 0.0
        for _ in 0..<trials {
            if let reference { referencePerCall.append(trial(reference.body).perCall) }
            let (seconds, elapsed, cpuSeconds) = trial(workload.body)
            perCall.append(seconds)
            wall += elapsed
            cpu += cpuSeconds
        }
        var result = Result(name: workload.name, seconds: median(perCall), work: workload.work,
                            isFlops: workload.isFlops, cores: wall > 0 ? cpu / wall : 0)
        if let reference {
            let referenceRate = reference.work / median(referencePerCall) / 1e9
            result.referenceRate = referenceRate
            result.percentOfReference = 100 * result.rate / referenceRate
        }
        return result
    }

    /// Repeats `body` until `trialSeconds` have passed: (seconds per call, wall seconds, process CPU seconds).
    private func trial(_ body: () -> Void) -> (perCall: Double, elapsed: Double, cpu: Double) {
        let cpuStart = Self.processCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        var calls = 0
        var elapsed = 0.0
        repeat {
            body()
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < trialSeconds
        return (elapsed / Double(calls), elapsed, Self.processCPUSeconds() - cpuStart)
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// User + system CPU time of this process (all threads).
    private static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// A 64-byte aligned Float buffer filled with deterministic values in [-scale, scale].
    private final class Buffer {
        let pointer: UnsafeMutablePointer<Float>
        let count: Int

        init(count: Int, seed: UInt64, scale: Float = 1) {
            self.count = count
            pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: max(count, 1))
            var state = seed &* 0x9E37_79B9_7F4A_7C15
            for i in 0..<count {
                // SplitMix64 → the top 24 bits as a uniform value in [-1, 1)
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                pointer[i] = (Float(z >> 40) / Float(1 << 23) - 1) * scale
            }
        }

        deinit { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
