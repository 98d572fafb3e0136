import Foundation

// Elementwise ops with forward and backward side by side (DESIGN §2). Backward closures hold the
// tensors they need and accumulate (+=) into their inputs' gradients.

extension Tensor {
    /// Elements per parallel block for elementwise loops: fixed, so results never depend on the
    /// number of threads.
    static let elementwiseBlock = 1 << 16

    /// `y = f(x)` elementwise, with `dy/dx = derivative(x, y)`.
    @inline(__always)
    func unary(_ f: @escaping (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let x = self
        let n = count
        var out = Tensor(shape: shape) { y in
            let xp = x.pointer, yp = y.baseAddress!
            Parallel.forEach(range: n, blockSize: Tensor.elementwiseBlock) { r in
                for i in r { yp[i] = f(xp[i]) }
            }
        }
        let y = out.detached
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            let xp = x.pointer, yp = y.pointer
            Parallel.forEach(range: n, blockSize: Tensor.elementwiseBlock) { r in
                for i in r { gx[i] += g[i] * derivative(xp[i], yp[i]) }
            }
        }
        return out
    }

    /// `z = f(a, b)` with broadcasting; `da`/`db` give ∂z/∂a and ∂z/∂b from (a, b, z).
    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, _ f: @escaping (Float, Float) -> Float,
                       da: @escaping (Float, Float, Float) -> Float,
                       db: @escaping (Float, Float, Float) -> Float) -> Tensor {
        guard let shape = Broadcast.shape(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let ap = a.pointer, bp = b.pointer
        var out: Tensor
        let same = a.shape == b.shape
        if same {
            let n = a.count
            out = Tensor(shape: shape) { z in
                let zp = z.baseAddress!
                Parallel.forEach(range: n, blockSize: Tensor.elementwiseBlock) { r in
                    for i in r { zp[i] = f(ap[i], bp[i]) }
                }
            }
        } else {
            let sa = Broadcast.strides(of: a.shape, in: shape), sb = Broadcast.strides(of: b.shape, in: shape)
            out = Tensor(shape: shape) { z in
                let zp = z.baseAddress!
                Broadcast.forEach(shape, sa, sb) { i, ia, ib in zp[i] = f(ap[ia], bp[ib]) }
            }
        }
        let z = out.detached
        Tensor.record(&out, [a, b]) { g in
            let ga = a.node?.gradBuffer(), gb = b.node?.gradBuffer()
            let zp = z.pointer
            if same {
                Parallel.forEach(range: z.count, blockSize: Tensor.elementwiseBlock) { r in
                    for i in r {
                        if let ga { ga[i] += g[i] * da(ap[i], bp[i], zp[i]) }
                        if let gb { gb[i] += g[i] * db(ap[i], bp[i], zp[i]) }
                    }
                }
            } else {
                // Serial: several outputs may add into one stretched input element.
                let sa = Broadcast.strides(of: a.shape, in: shape), sb = Broadcast.strides(of: b.shape, in: shape)
                Broadcast.forEach(shape, sa, sb) { i, ia, ib in
                    if let ga { ga[ia] += g[i] * da(ap[ia], bp[ib], zp[i]) }
                    if let gb { gb[ib] += g[i] * db(ap[ia], bp[ib], zp[i]) }
                }
            }
        }
        return out
    }

    // MARK: Arithmetic

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, { $0 + $1 }, da: { _, _, _ in 1 }, db: { _, _, _ in 1 })
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, { $0 - $1 }, da: { _, _, _ in 1 }, db: { _, _, _ in -1 })
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, { $0 * $1 }, da: { _, b, _ in b }, db: { a, _, _ in a })
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, { $0 / $1 }, da: { _, b, _ in 1 / b }, db: { a, b, _ in -a / (b * b) })
    }

    public static prefix func - (x: Tensor) -> Tensor {
        x.unary({ -$0 }, derivative: { _, _ in -1 })
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a.unary({ $0 + s }, derivative: { _, _ in 1 }) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.unary({ $0 - s }, derivative: { _, _ in 1 }) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.unary({ $0 * s }, derivative: { _, _ in s }) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.unary({ $0 / s }, derivative: { _, _ in 1 / s }) }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func - (s: Float, a: Tensor) -> Tensor { a.unary({ s - $0 }, derivative: { _, _ in -1 }) }

    // MARK: Unary math

    /// eˣ.
    public func exp() -> Tensor { unary({ Foundation.exp($0) }, derivative: { _, y in y }) }
    /// Natural logarithm.
    public func log() -> Tensor { unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    /// Square root.
    public func sqrt() -> Tensor { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// 1/√x.
    public func rsqrt() -> Tensor { unary({ 1 / $0.squareRoot() }, derivative: { _, y in -0.5 * y * y * y }) }
    /// xᵖ for a constant exponent.
    public func pow(_ p: Float) -> Tensor {
        unary({ Foundation.pow($0, p) }, derivative: { x, _ in p * Foundation.pow(x, p - 1) })
    }
    /// x², faster and exact compared with `pow(2)`.
    public func squared() -> Tensor { unary({ $0 * $0 }, derivative: { x, _ in 2 * x }) }

    /// Logistic sigmoid 1/(1+e⁻ˣ).
    public func sigmoid() -> Tensor { unary({ Tensor.sigmoid($0) }, derivative: { _, y in y * (1 - y) }) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary({ Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }

    /// SiLU / swish, x·σ(x) (diffusers' resnet and time-embedding activation).
    public func silu() -> Tensor {
        unary({ $0 * Tensor.sigmoid($0) }, derivative: { x, _ in
            let s = Tensor.sigmoid(x)
            return s * (1 + x * (1 - s))
        })
    }

    /// GELU, exact `0.5·x·(1 + erf(x/√2))` (PyTorch `gelu(approximate='none')`).
    public func gelu() -> Tensor {
        unary({ 0.5 * $0 * (1 + Foundation.erf($0 * 0.70710678118654752)) }, derivative: { x, _ in
            let cdf = 0.5 * (1 + Foundation.erf(x * 0.70710678118654752))
            let pdf = Foundation.exp(-0.5 * x * x) * 0.39894228040143268  // 1/√(2π)
            return cdf + x * pdf
        })
    }

    /// GELU, tanh approximation (PyTorch `gelu(approximate='tanh')`, "gelu_new" in transformers).
    public func geluTanh() -> Tensor {
        let c: Float = 0.79788456080286536  // √(2/π)
        return unary({ x in
            0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x)))
        }, derivative: { x, _ in
            let inner = c * (x + 0.044715 * x * x * x)
            let t = Foundation.tanh(inner)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        })
    }

    /// quick-GELU, x·σ(1.702x) (OpenAI CLIP's activation, transformers `quick_gelu`).
    public func quickGelu() -> Tensor {
        unary({ $0 * Tensor.sigmoid(1.702 * $0) }, derivative: { x, _ in
            let s = Tensor.sigmoid(1.702 * x)
            return s + 1.702 * x * s * (1 - s)
        })
    }

    /// Clamps to [lo, hi]; the gradient passes where the value was inside the range.
    public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        unary({ Swift.min(Swift.max($0, lo), hi) }, derivative: { x, _ in (x >= lo && x <= hi) ? 1 : 0 })
    }

    /// `condition ? a : b` elementwise, where `condition` is nonzero; all three broadcast.
    /// The gradient goes to `a` where the condition holds and to `b` elsewhere (never to it).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let ab = Broadcast.shape(a.shape, b.shape), let shape = Broadcast.shape(condition.shape, ab) else {
            preconditionFailure("shapes \(condition.shape), \(a.shape), \(b.shape) do not broadcast")
        }
        let c = condition.detached.broadcasted(to: shape), x = a.broadcasted(to: shape), y = b.broadcasted(to: shape)
        let cp = c.pointer, xp = x.pointer, yp = y.pointer
        var out = Tensor(shape: shape) { z in
            for i in 0..<z.count { z[i] = cp[i] != 0 ? xp[i] : yp[i] }
        }
        Tensor.record(&out, [x, y]) { g in
            let gx = x.node?.gradBuffer(), gy = y.node?.gradBuffer()
            for i in 0..<c.count {
                if cp[i] != 0 { gx?[i] += g[i] } else { gy?[i] += g[i] }
            }
        }
        return out
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        // Split by sign so exp never overflows.
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }
}
