import CBLAS
import COpenBLASCore

/// The CPU implementation of `Backend`: OpenBLAS for the matrix products, Swift loops for the rest.
///
/// DESIGN §2: OpenBLAS runs single-threaded and all parallelism comes from `Parallel.forEach` over
/// blocks whose size depends only on the problem's shape, so every kernel gives bit-identical
/// results for any thread count. Scratch memory (im2col columns, attention score gradients) comes
/// from `ScratchPool.shared`. Stateless: any number of values may be used from any thread.
public struct CPUBackend: Backend {
    /// A ready backend.
    public static let shared = CPUBackend()

    public var name: String { "cpu" }

    /// A backend; the first one made sets OpenBLAS to one thread (it must never spawn its own).
    public init() {
        precondition(Self.blasIsSingleThreaded)
    }

    /// Set once per process: OpenBLAS uses one thread inside our own parallel loops (DESIGN §2).
    static let blasIsSingleThreaded: Bool = {
        openblas_set_num_threads(1)
        return openblas_get_num_threads() == 1
    }()
}

// Small vector helpers shared by the CPU kernels. Without target flags Swift compiles for the
// baseline x86-64 vector unit (SSE2): SIMD8 adds and multiplies become pairs of SSE instructions,
// and two accumulators hide the add latency. Elementwise loops are left to LLVM's vectoriser.
extension CPUBackend {
    /// Loads 8 floats from `p` (no alignment needed).
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Stores 8 floats at `p` (no alignment needed).
    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Σ p[0..<count] in Float, in a fixed order.
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += load8(p + i)
            acc1 += load8(p + i + 8)
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += p[i]
            i += 1
        }
        return total
    }

    /// Σ (p[i] − shift)² over `0..<count` in Float, in a fixed order.
    static func sumOfSquares(_ p: UnsafePointer<Float>, count: Int, minus shift: Float) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        let s = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 16 <= count {
            let d0 = load8(p + i) - s, d1 = load8(p + i + 8) - s
            acc0 += d0 * d0
            acc1 += d1 * d1
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += (p[i] - shift) * (p[i] - shift)
            i += 1
        }
        return total
    }

    /// Largest of p[0..<count]: `-infinity` when empty, NaN when any entry is NaN (so NaN reaches the output).
    static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        // Four scalar chains: compare-and-select compiles to maxss, while Swift's SIMD masks do not
        // lower well to SSE2, and LLVM will not vectorise a float max reduction without fast-math.
        var (m0, m1, m2, m3) = (-Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity)
        var i = 0
        while i + 4 <= count {
            m0 = larger(m0, p[i])
            m1 = larger(m1, p[i + 1])
            m2 = larger(m2, p[i + 2])
            m3 = larger(m3, p[i + 3])
            i += 4
        }
        while i < count {
            m0 = larger(m0, p[i])
            i += 1
        }
        return larger(larger(m0, m1), larger(m2, m3))
    }

    /// The larger of `a` and `b`, NaN if either is NaN.
    @inline(__always)
    static func larger(_ a: Float, _ b: Float) -> Float { b > a || b != b ? b : a }
}

extension CPUBackend {
    /// OpenBLAS's kernel set, e.g. "SkylakeX"; where `COpenBLASCore` re-selected it at load because
    /// OpenBLAS did not know this CPU, also the pre-AVX2 set OpenBLAS had fallen back to.
    public static var blasKernels: String {
        let running = blasRunningKernels
        let detected = blasDetectedKernels
        return running == detected ? running : "\(running) (re-selected: OpenBLAS fell back to \(detected) on this CPU)"
    }

    /// Whether this CPU runs AVX2 with FMA, and AVX-512 F/CD/BW/DQ/VL: what the kernel sets need.
    public static var cpuVectorFeatures: (avx2FMA: Bool, avx512: Bool) {
        (t2i_cpu_has_avx2_fma() == 1, t2i_cpu_has_avx512() == 1)
    }

    /// The kernel set OpenBLAS runs now, e.g. "SkylakeX".
    public static var blasRunningKernels: String { String(cString: t2i_openblas_core()) }

    /// The kernel set OpenBLAS chose itself when the process started.
    public static var blasDetectedKernels: String { String(cString: t2i_openblas_detected_core()) }

    /// The kernel set `COpenBLASCore` selects instead of `current` on a CPU with these features,
    /// or nil to keep it (see `t2i_openblas_replacement_core`).
    public static func blasReplacement(for current: String, avx2FMA: Bool, avx512: Bool) -> String? {
        t2i_openblas_replacement_core(current, avx2FMA ? 1 : 0, avx512 ? 1 : 0).map { String(cString: $0) }
    }
}
