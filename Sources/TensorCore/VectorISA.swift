import CVectorMath
import Foundation

/// The instruction sets the CPU backend's transcendental loops (exp, sigmoid, SiLU, GELU,
/// QuickGELU, their derivatives, softmax's exponentials) come in.
///
/// The package compiles for baseline x86-64, so Swift's SIMD8 runs as two SSE halves; on a CPU
/// with AVX2 the same polynomials run from `CVectorMath` in one 256-bit vector, about twice as
/// fast, and with AVX-512 in one 512-bit vector, about twice as fast again. All paths give the
/// same bits (`VectorISATests` checks it), so the choice changes speed only: a run's results do
/// not depend on the CPU it ran on.
public enum VectorISA: String, Sendable, CaseIterable {
    /// Swift SIMD8 (`VectorMath`), on every CPU.
    case baseline
    /// `CVectorMath`'s AVX2 loops.
    case avx2
    /// `CVectorMath`'s AVX-512 loops.
    case avx512

    /// The instruction sets this CPU runs, the fastest last.
    public static let available: [VectorISA] = [.baseline]
        + (t2i_vector_has_avx2() == 1 ? [.avx2] : [])
        + (t2i_vector_has_avx512() == 1 ? [.avx512] : [])

    /// `T2I_VECTOR_ISA`, read once: names the set to use instead of the best one (to compare them).
    static let environmentValue = ProcessInfo.processInfo.environment["T2I_VECTOR_ISA"]

    /// The value of `T2I_VECTOR_ISA` when it names no set this CPU runs (the CLI refuses to start).
    public static var invalidEnvironmentValue: String? {
        environmentValue.flatMap { named($0) == nil ? $0 : nil }
    }

    /// The available set called `name`, or nil.
    static func named(_ name: String) -> VectorISA? {
        available.first { $0.rawValue == name }
    }

    /// What the CPU backend uses: `T2I_VECTOR_ISA` when it names an available set, else the best available.
    public static let active: VectorISA = {
        environmentValue.flatMap(named) ?? available.last!
    }()

    /// y[i] = f(x[i]) (`code` from `code(_:)` or T2I_VECTOR_EXP_SHIFTED) through `CVectorMath`;
    /// false for `.baseline`, which runs in Swift (`VectorMath`).
    func map(_ code: Int32, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, shift: Float = 0) -> Bool {
        switch self {
        case .baseline: return false
        case .avx2: _ = t2i_avx2_map(code, x, y, count, shift)
        case .avx512: _ = t2i_avx512_map(code, x, y, count, shift)
        }
        return true
    }

    /// gx[i] += g[i]·f′(x[i]) (`code` from `derivativeCode(_:)`), or gx[i] = g[i]·f′(x[i]) when
    /// `overwriting` (gx not read), through `CVectorMath`; false for `.baseline`, which runs in Swift
    /// (`VectorMath`).
    func accumulate(_ code: Int32, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
                    _ count: Int, overwriting: Bool = false) -> Bool {
        let add: Int32 = overwriting ? 0 : 1
        switch self {
        case .baseline: return false
        case .avx2: _ = t2i_avx2_accumulate(code, x, g, gx, count, add)
        case .avx512: _ = t2i_avx512_accumulate(code, x, g, gx, count, add)
        }
        return true
    }

    /// y[i] = h[i]·f(x[i]) (`code` from `derivativeCode(_:)`) through `CVectorMath`; false for `.baseline`.
    func gated(_ code: Int32, _ h: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
               _ count: Int) -> Bool {
        switch self {
        case .baseline: return false
        case .avx2: _ = t2i_avx2_gated(code, h, x, y, count)
        case .avx512: _ = t2i_avx512_gated(code, h, x, y, count)
        }
        return true
    }

    /// dh (+)= g·f(x), dx (+)= (g·h)·f′(x) (`code` from `derivativeCode(_:)`) through `CVectorMath`;
    /// false for `.baseline`.
    func gatedBackward(_ code: Int32, _ h: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                       _ dh: UnsafeMutablePointer<Float>?, _ dx: UnsafeMutablePointer<Float>?, _ count: Int,
                       accumulateHidden: Bool, accumulateGate: Bool) -> Bool {
        let (ah, ax): (Int32, Int32) = (accumulateHidden ? 1 : 0, accumulateGate ? 1 : 0)
        switch self {
        case .baseline: return false
        case .avx2: _ = t2i_avx2_gated_backward(code, h, x, g, dh, dx, count, ah, ax)
        case .avx512: _ = t2i_avx512_gated_backward(code, h, x, g, dh, dx, count, ah, ax)
        }
        return true
    }

    /// GELU keeping u = 1 + erf(x/√2) for its backward (`t2i_*_gelu_saving`); false for `.baseline`.
    func geluSaving(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>, _ count: Int) -> Bool {
        switch self {
        case .baseline: return false
        case .avx2: _ = t2i_avx2_gelu_saving(x, y, u, count)
        case .avx512: _ = t2i_avx512_gelu_saving(x, y, u, count)
        }
        return true
    }

    /// gx (+)= g·GELU′(x) from the saved u (`t2i_*_gelu_backward_saved`); false for `.baseline`.
    func geluBackwardSaved(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                           _ gx: UnsafeMutablePointer<Float>, _ count: Int, overwriting: Bool) -> Bool {
        let add: Int32 = overwriting ? 0 : 1
        switch self {
        case .baseline: return false
        case .avx2: _ = t2i_avx2_gelu_backward_saved(x, u, g, gx, count, add)
        case .avx512: _ = t2i_avx512_gelu_backward_saved(x, u, g, gx, count, add)
        }
        return true
    }

    /// The `CVectorMath` code of a function whose derivative `t2i_avx2_accumulate` applies, or nil.
    static func derivativeCode(_ op: UnaryOp) -> Int32? {
        switch op {
        case .silu, .gelu, .quickGelu: code(op)
        default: nil
        }
    }

    /// The `CVectorMath` code of a function `t2i_avx2_map` evaluates, or nil for one it does not.
    static func code(_ op: UnaryOp) -> Int32? {
        switch op {
        case .exp: Int32(T2I_VECTOR_EXP)
        case .sigmoid: Int32(T2I_VECTOR_SIGMOID)
        case .silu: Int32(T2I_VECTOR_SILU)
        case .gelu: Int32(T2I_VECTOR_GELU)
        case .quickGelu: Int32(T2I_VECTOR_QUICK_GELU)
        default: nil
        }
    }
}

extension VectorISA {
    /// Whether this set runs `CVectorMath`'s packed GEMM in vectors (AVX2 needs FMA3 as well).
    static let hasVectorGEMM: [VectorISA: Bool] = [
        .baseline: false, .avx2: t2i_vector_has_fma() == 1, .avx512: true,
    ]

    /// `c (m × n, row stride ldc) = A·b (k × n, row stride ldb)` (or `c += A·b`: `accumulate`; or
    /// `c = bias + A·b` in every row: a `bias` of n floats) with A packed by `t2i_gemm_pack_a`: each
    /// element one chain of fused multiply-adds over k, the same bits in every set
    /// (`VectorISATests`), and a column's result independent of n and of the other columns.
    public func gemmPacked(_ packed: UnsafePointer<Float>, m: Int, k: Int, b: UnsafePointer<Float>, ldb: Int, n: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false, bias: UnsafePointer<Float>? = nil) {
        precondition(m >= 0 && n >= 0 && k >= 0 && ldb >= n && ldc >= n, "gemmPacked: bad sizes m \(m) n \(n) k \(k) ldb \(ldb) ldc \(ldc)")
        precondition(!(accumulate && bias != nil), "gemmPacked: a bias starts C, so it cannot be accumulated into")
        if m == 0 || n == 0 { return }
        let (m32, k32, n32, add) = (Int32(m), Int32(k), Int32(n), Int32(accumulate ? 1 : 0))
        switch self {
        case .avx512: t2i_gemm_packed_avx512(packed, m32, k32, b, ldb, n32, c, ldc, add, bias)
        case .avx2 where Self.hasVectorGEMM[.avx2] == true: t2i_gemm_packed_avx2(packed, m32, k32, b, ldb, n32, c, ldc, add, bias)
        default: t2i_gemm_packed_scalar(packed, m32, k32, b, ldb, n32, c, ldc, add, bias)
        }
    }
}

extension VectorISA {
    /// `gemmPacked` of a row-major A (m × k, row stride lda), its bits: AVX-512 reads A in place
    /// (`t2i_gemm_rows_avx512`: its eight rows' loads overlap the multiply-adds, where packing was a
    /// pass of its own over A: a median 13 % slower on eight linear-layer shapes); the other sets pack A
    /// into scratch and call `gemmPacked`.
    public func gemmRows(_ a: UnsafePointer<Float>, lda: Int, m: Int, k: Int, b: UnsafePointer<Float>, ldb: Int, n: Int,
                         c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false, bias: UnsafePointer<Float>? = nil) {
        precondition(m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= n && ldc >= n && max(m, n, k) <= Int(Int32.max),
                     "gemmRows: bad sizes m \(m) n \(n) k \(k) lda \(lda) ldb \(ldb) ldc \(ldc)")
        precondition(!(accumulate && bias != nil), "gemmRows: a bias starts C, so it cannot be accumulated into")
        if m == 0 || n == 0 { return }
        if self == .avx512 {
            t2i_gemm_rows_avx512(a, lda, Int32(m), Int32(k), b, ldb, Int32(n), c, ldc, accumulate ? 1 : 0, bias)
            return
        }
        ScratchPool.withBuffer(count: Self.packedCount(m: m, k: k)) { packed in
            Self.pack(a, lda: lda, m: m, k: k, into: packed)
            gemmPacked(packed, m: m, k: k, b: b, ldb: ldb, n: n, c: c, ldc: ldc, accumulate: accumulate, bias: bias)
        }
    }
}

extension VectorISA {
    /// Floats of A (m × k) packed for `gemmPacked`.
    public static func packedCount(m: Int, k: Int) -> Int {
        precondition(m >= 0 && k >= 0 && max(m, k) <= Int(Int32.max), "packedCount: bad sizes m \(m) k \(k)")
        return t2i_gemm_packed_count(Int32(m), Int32(k))
    }

    /// Packs A (m × k, row stride lda; `transposed`: A[i][p] = a[p·lda + i]) for `gemmPacked`
    /// into `packed` (`packedCount(m:k:)` floats).
    public static func pack(_ a: UnsafePointer<Float>, lda: Int, transposed: Bool = false, m: Int, k: Int,
                            into packed: UnsafeMutablePointer<Float>) {
        precondition(m >= 0 && k >= 0 && max(m, k) <= Int(Int32.max), "pack: bad sizes m \(m) k \(k)")
        t2i_gemm_pack_a(a, lda, transposed ? 1 : 0, Int32(m), Int32(k), packed)
    }
}

extension VectorISA {
    /// `out[j·ldo + i] = x[i·ldx + j]` for i < rows, j < columns (CVectorMath's `t2i_transpose`: 16 × 16
    /// tiles, in AVX-512 registers where the CPU has it; a copy, the same bits on every CPU).
    public static func transpose(_ x: UnsafePointer<Float>, ldx: Int, rows: Int, columns: Int,
                                 into out: UnsafeMutablePointer<Float>, ldo: Int) {
        precondition(rows >= 0 && columns >= 0 && max(rows, columns) <= Int(Int32.max) && ldx >= columns && ldo >= rows,
                     "transpose: bad sizes rows \(rows) columns \(columns) ldx \(ldx) ldo \(ldo)")
        t2i_transpose(x, ldx, Int32(rows), Int32(columns), out, ldo)
    }
}

extension VectorISA {
    /// Whether `convSame` takes convolution `g`: stride 1, output the input's size, at most
    /// `t2i_conv_same_max_taps()` taps.
    public static func convSameTakes(_ g: Conv2dGeometry) -> Bool {
        g.strideH == 1 && g.strideW == 1 && g.outHeight == g.height && g.outWidth == g.width
            && g.kernelHeight * g.kernelWidth <= Int(t2i_conv_same_max_taps())
    }

    /// Output positions `positions` of one image of `g` (which `convSameTakes`), every output
    /// channel o to `y[o·ldy + q − positions.lowerBound]`, with W packed by `pack`: the bits of
    /// im2col followed by `gemmPacked`, without writing the columns (CVectorMath's `t2i_conv_same_*`).
    public func convSame(_ g: Conv2dGeometry, packed: UnsafePointer<Float>, image x: UnsafePointer<Float>, positions: Range<Int>,
                         y: UnsafeMutablePointer<Float>, ldy: Int) {
        precondition(Self.convSameTakes(g) && positions.lowerBound >= 0 && positions.upperBound <= g.height * g.width
                     && ldy >= positions.count, "convSame: \(g) does not keep its size at stride 1, or positions \(positions) / ldy \(ldy) do not fit")
        let args = (Int32(g.outChannels), Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth),
                    Int32(g.padH), Int32(g.padW))
        let (h, w, first, count) = (Int32(g.height), Int32(g.width), Int32(positions.lowerBound), Int32(positions.count))
        switch self {
        case .avx512:
            t2i_conv_same_avx512(packed, args.0, args.1, args.2, args.3, args.4, args.5, x, h, w, first, count, y, ldy)
        case .avx2 where Self.hasVectorGEMM[.avx2] == true:
            t2i_conv_same_avx2(packed, args.0, args.1, args.2, args.3, args.4, args.5, x, h, w, first, count, y, ldy)
        default:
            t2i_conv_same_scalar(packed, args.0, args.1, args.2, args.3, args.4, args.5, x, h, w, first, count, y, ldy)
        }
    }
}

extension VectorISA {
    /// `dx += col2im(cols)` for convolution `g` (which `convSameTakes`), cols holding output rows
    /// `rows` at row stride `ld`, gathered per input position (CVectorMath's `t2i_col2im_same_avx512`):
    /// the values of the scatter that adds each tap's row in turn. False, with nothing done, where
    /// this set has no such kernel (all but AVX-512).
    public func col2imSame(_ g: Conv2dGeometry, cols: UnsafePointer<Float>, ld: Int, rows: Range<Int>,
                           image dx: UnsafeMutablePointer<Float>) -> Bool {
        guard self == .avx512 else { return false }
        precondition(Self.convSameTakes(g) && rows.lowerBound >= 0 && rows.upperBound <= g.height && ld >= rows.count * g.width,
                     "col2imSame: \(g) does not keep its size at stride 1, or rows \(rows) / ld \(ld) do not fit")
        t2i_col2im_same_avx512(cols, ld, Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.padH),
                               Int32(g.padW), Int32(g.height), Int32(g.width), Int32(rows.lowerBound), Int32(rows.count), dx)
        return true
    }
}

extension VectorISA {
    /// Whether `convSamePair` runs two small images in one pass (AVX-512 only).
    public var pairsSmallImages: Bool { self == .avx512 }

    /// `convSame` on all positions of two images x0, x1 of ≤ 16 positions each, into y0 and y1, in
    /// one pass where `pairsSmallImages` (else one image after the other): the same bits either way.
    public func convSamePair(_ g: Conv2dGeometry, packed: UnsafePointer<Float>, images x0: UnsafePointer<Float>,
                             _ x1: UnsafePointer<Float>, y y0: UnsafeMutablePointer<Float>, _ y1: UnsafeMutablePointer<Float>,
                             ldy: Int) {
        let hw = g.height * g.width
        precondition(Self.convSameTakes(g) && ldy >= hw, "convSamePair: \(g) does not keep its size at stride 1, or ldy \(ldy) < \(hw)")
        guard pairsSmallImages && hw <= 16 else {
            convSame(g, packed: packed, image: x0, positions: 0..<hw, y: y0, ldy: ldy)
            convSame(g, packed: packed, image: x1, positions: 0..<hw, y: y1, ldy: ldy)
            return
        }
        t2i_conv_same_pair_avx512(packed, Int32(g.outChannels), Int32(g.inChannels), Int32(g.kernelHeight),
                                  Int32(g.kernelWidth), Int32(g.padH), Int32(g.padW), x0, x1, Int32(g.height),
                                  Int32(g.width), y0, y1, ldy)
    }
}
