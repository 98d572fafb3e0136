import CBLAS

/// The CPU implementation of `Backend`: OpenBLAS for the matrix products, Swift loops for the rest.
///
/// DESIGN §2: OpenBLAS runs single-threaded and all parallelism comes from `Parallel.forEach` over
/// blocks whose size depends only on the problem's shape, so every kernel gives bit-identical
/// results for any thread count. Scratch memory (im2col columns, attention score gradients) comes
/// from `ScratchPool.shared`. Stateless: any number of values may be used from any thread.
public struct CPUBackend: Backend {
    /// A ready backend.
    public static let shared = CPUBackend()

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

    /// e^x (Cephes `expf`: x = n·ln2 + r, a degree-6 polynomial in r, scaled by 2^n; ≤ 2 ulp).
    ///
    /// Written as scalar code so that loops calling it are vectorised by LLVM (selects become
    /// min/max instructions). x < −87 gives exactly 0, so masked `-infinity` scores get
    /// probability 0; NaN stays NaN; x > 88 saturates at e^88.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = x < -87 ? -87 : (x > 88 ? 88 : x)
        // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick (SSE2 has no round instruction).
        let magic: Float = 12582912.0
        let shifted = clamped * 1.44269504088896341 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693359375 + n * 2.12194440e-4  // Cody–Waite: ln2 split in two parts
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * (r * r) + r + 1
        // 2^n from the integer n sitting in the low mantissa bits of `shifted`.
        let nBits = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        let scale = Float(bitPattern: UInt32(bitPattern: (nBits &+ 127) &<< 23))
        return x < -87 ? 0 : e * scale
    }
}
