/// exp, erfc and the activations built on them, eight lanes at a time, for the CPU kernels.
///
/// libm's `expf` and `erff` are scalar calls: in a U-Net training step they were 6 % of the time
/// (`perf record`). These evaluate the same functions with polynomials in plain SIMD arithmetic
/// (no FMA: the package builds for baseline x86-64, and separate multiply and add round the same
/// everywhere). Every element is computed the same way whether it sits in a full vector or in a
/// loop's tail (the tail is padded into a vector), so results never depend on where an element
/// falls, on the batch size or on the thread count.
///
/// `CVectorMath` holds the same functions in AVX2, operation for operation; the CPU backend runs
/// those where the CPU has AVX2 (`VectorISA`). A change here must be made there too: the tests
/// hold the two to the same bits.
///
/// Accuracy against Double (`VectorMathTests`): exp within 2 ulp over [−87, 88.7]; sigmoid and
/// SiLU within 4 ulp; GELU within 4e-6 relative everywhere, its left tail included (where
/// 1 + erff(x/√2) in Float, as libm and PyTorch compute it, is 4e-3 off at x = −4.5).
enum VectorMath {
    typealias V = SIMD8<Float>

    /// eˣ: Cephes' expf — x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for eʳ, 2ⁿ from
    /// the exponent bits. Above 88.72 gives +∞, below −87.33 gives 0, NaN stays NaN.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let hi: Float = 88.72283935546875, lo: Float = -87.33654022216797
        var clamped = x
        clamped.replace(with: hi, where: x .> V(repeating: hi))
        clamped.replace(with: lo, where: x .< V(repeating: lo))
        // n = round(x·log₂e): adding 1.5·2²³ rounds to the nearest integer (even on ties) in plain
        // SSE, and leaves that integer in the low bits of the sum's bit pattern. (The stdlib's
        // Float→Int vector conversion and `clamped` are generic calls, 10× slower than all this.)
        let magic = V(repeating: 12582912)
        let shifted = clamped * V(repeating: 1.44269504088896341) + magic
        let n = shifted - magic
        let ni = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        var r = clamped - n * V(repeating: 0.693359375)
        r = r - n * V(repeating: -2.12194440e-4)
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + V(repeating: 1.3981999507e-3)
        p = p * r + V(repeating: 8.3334519073e-3)
        p = p * r + V(repeating: 4.1665795894e-2)
        p = p * r + V(repeating: 1.6666665459e-1)
        p = p * r + V(repeating: 5.0000001201e-1)
        let er = p * (r * r) + r + V(repeating: 1)
        // 2ⁿ for n in [−126, 128]: split in two halves so n = 128 (x near the top) does not overflow
        // the exponent field.
        let half = ni &>> 1
        let twoA = float(bits: SIMD8<UInt32>(truncatingIfNeeded: (half &+ 127) &<< 23))
        let twoB = float(bits: SIMD8<UInt32>(truncatingIfNeeded: (ni &- half &+ 127) &<< 23))
        var result = er * twoA * twoB
        result.replace(with: V(repeating: .infinity), where: x .> V(repeating: hi))
        result.replace(with: V(repeating: 0), where: x .< V(repeating: lo))
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// erfc(z) for z ≥ 0 (Numerical Recipes' `erfcc`, Chebyshev fit: relative error < 1.2e-7).
    @inline(__always)
    static func erfcNonNegative(_ z: V) -> V {
        let one = V(repeating: 1)
        let t = one / (one + V(repeating: 0.5) * z)
        var p = V(repeating: 0.17087277)
        p = p * t + V(repeating: -0.82215223)
        p = p * t + V(repeating: 1.48851587)
        p = p * t + V(repeating: -1.13520398)
        p = p * t + V(repeating: 0.27886807)
        p = p * t + V(repeating: -0.18628806)
        p = p * t + V(repeating: 0.09678418)
        p = p * t + V(repeating: 0.37409196)
        p = p * t + V(repeating: 1.00002368)
        p = p * t + V(repeating: -1.26551223)
        return t * exp(p - z * z)
    }

    /// 1 + erf(x/√2) = 2·Φ(x), relative error small in both tails: erfc(−x/√2) for x < 0,
    /// 2 − erfc(x/√2) for x ≥ 0.
    @inline(__always)
    static func onePlusErf(_ x: V) -> V {
        let z = x * V(repeating: 0.70710678118654752)
        let negative = z .< V(repeating: 0)
        let c = erfcNonNegative(abs(z))
        var result = V(repeating: 2) - c
        result.replace(with: c, where: negative)
        return result
    }

    /// 1/(1+e⁻ˣ), split by sign so exp never overflows.
    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        let e = exp(-abs(x))
        let one = V(repeating: 1)
        var result = one / (one + e)
        result.replace(with: e / (one + e), where: x .< V(repeating: 0))
        return result
    }

    @inline(__always)
    static func abs(_ x: V) -> V {
        float(bits: unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7fff_ffff))
    }

    @inline(__always)
    static func float(bits: SIMD8<UInt32>) -> V {
        unsafeBitCast(bits, to: V.self)
    }

    // MARK: Activations and their derivatives

    @inline(__always)
    static func silu(_ x: V) -> V { x * sigmoid(x) }

    @inline(__always)
    static func siluDerivative(_ x: V) -> V {
        let s = sigmoid(x)
        return s * (V(repeating: 1) + x * (V(repeating: 1) - s))
    }

    /// 0.5·x·(1 + erf(x/√2)).
    @inline(__always)
    static func gelu(_ x: V) -> V { gelu(x, onePlusErf: onePlusErf(x)) }

    /// 0.5·x·u from u = `onePlusErf(x)` (kept for the backward): `gelu`'s operations.
    @inline(__always)
    static func gelu(_ x: V, onePlusErf u: V) -> V { V(repeating: 0.5) * x * u }

    /// Φ(x) + x·φ(x).
    @inline(__always)
    static func geluDerivative(_ x: V) -> V { geluDerivative(x, onePlusErf: onePlusErf(x)) }

    /// Φ(x) + x·φ(x) from u = `onePlusErf(x)` (saved by the forward): `geluDerivative`'s operations.
    @inline(__always)
    static func geluDerivative(_ x: V, onePlusErf u: V) -> V {
        let cdf = V(repeating: 0.5) * u
        let pdf = exp(V(repeating: -0.5) * x * x) * V(repeating: 0.39894228040143268)  // 1/√(2π)
        return cdf + x * pdf
    }

    // MARK: Loops

    /// y[i] = f(x[i]) for i in 0..<n, the tail padded into a vector.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V) {
        var i = 0
        while i + 8 <= n {
            CPUBackend.store8(f(CPUBackend.load8(x + i)), y + i)
            i += 8
        }
        if i < n {
            var v = V(repeating: 0)
            for j in 0..<(n - i) { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<(n - i) { y[i + j] = r[j] }
        }
    }

    /// gx[i] += g[i] · d(x[i]) for i in 0..<n — or gx[i] = g[i] · d(x[i]) when `overwriting` (gx
    /// not read) — the tail padded into a vector.
    @inline(__always)
    static func accumulate(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
                           _ n: Int, overwriting: Bool = false, _ d: (V) -> V) {
        var i = 0
        while i + 8 <= n {
            let term = CPUBackend.load8(g + i) * d(CPUBackend.load8(x + i))
            CPUBackend.store8(overwriting ? term : CPUBackend.load8(gx + i) + term, gx + i)
            i += 8
        }
        if i < n {
            var v = V(repeating: 0)
            for j in 0..<(n - i) { v[j] = x[i + j] }
            let r = d(v)
            for j in 0..<(n - i) {
                let term = g[i + j] * r[j]
                gx[i + j] = overwriting ? term : gx[i + j] + term
            }
        }
    }
}
