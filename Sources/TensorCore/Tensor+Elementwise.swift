import Foundation

// Elementwise ops with forward and backward side by side (DESIGN §2). Backward closures hold the
// tensors they need and accumulate (+=) into their inputs' gradients.

extension Tensor {
    /// `y = op(x)` elementwise, through the backend; the backward needs x and y.
    func unary(_ op: UnaryOp) -> Tensor {
        let x = self, n = count, backend = Backends.current
        var out = Tensor(computing: shape) { y in
            backend.unaryForward(op, input: x.pointer, output: y, count: n)
        }
        let y = out.detached
        Tensor.record(&out, [x]) { g in
            guard let node = x.node else { return }
            // First writer of a linear op's input gradient: set it from dY with a forward op (same
            // bits as adding into zeros) instead of zero-filling and adding (`gradTarget()`).
            switch op {
            case .add, .negate, .multiply:
                let (gx, accumulate) = node.gradTarget()
                if accumulate {
                    backend.unaryBackward(op, input: x.pointer, output: y.pointer, gradOutput: g, gradInput: gx, count: n)
                } else if case .add = op {
                    backend.copy(g, to: gx, count: n)  // dX = dY
                } else {
                    backend.unaryForward(op, input: g, output: gx, count: n)  // dX = −dY, or dY·s
                }
            default:
                // A first writer sets dX = dY·op′(x) (no zero fill, no read of the zeros).
                let (gx, accumulate) = node.gradTarget()
                backend.unaryBackward(op, input: x.pointer, output: y.pointer, gradOutput: g, gradInput: gx, count: n,
                                      overwriting: !accumulate)
            }
        }
        return out
    }

    /// `z = op(a, b)` with broadcasting, through the backend.
    static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let shape = Broadcast.shape(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let sa = Broadcast.strides(of: a.shape, in: shape), sb = Broadcast.strides(of: b.shape, in: shape)
        let backend = Backends.current
        var out = Tensor(computing: shape) { z in
            backend.binaryForward(op, shape: shape, a: a.pointer, aStrides: sa, b: b.pointer, bStrides: sb, output: z)
        }
        let contiguous = Tensor.strides(shape)
        Tensor.record(&out, [a, b]) { g in
            // The first writer of an operand's gradient that is read element for element (not
            // stretched) sets it with a forward op — add: dY, subtract: ∓dY, multiply: dY times the
            // other operand — the same bits as adding into zeros (`gradTarget()`). Anything else
            // (a stretched operand sums its terms; divide's 1/b factor) adds into `gradBuffer()`.
            func firstWrite(_ input: Int) -> Bool {
                let (x, other, otherStrides) = input == 0 ? (a, b, sb) : (b, a, sa)
                guard let node = x.node, x.shape == shape, op != .divide else { return false }
                // Already written (or a leaf): the kernel below adds into the same buffer.
                let (gx, accumulate) = node.gradTarget()
                if accumulate { return false }
                switch (op, input) {
                case (.subtract, 1):
                    backend.unaryForward(.negate, input: g, output: gx, count: x.count)
                case (.multiply, _):
                    backend.binaryForward(.multiply, shape: shape, a: g, aStrides: contiguous, b: other.pointer,
                                          bStrides: otherStrides, output: gx)
                default:  // add, subtract's first operand
                    backend.copy(g, to: gx, count: x.count)
                }
                return true
            }
            // Input 0 before input 1, as the backward kernel takes them (a and b may be one tensor).
            let ga = firstWrite(0) ? nil : a.node?.gradBuffer()
            let gb = firstWrite(1) ? nil : b.node?.gradBuffer()
            if ga != nil || gb != nil {
                backend.binaryBackward(op, shape: shape, a: a.pointer, aStrides: sa, b: b.pointer, bStrides: sb, gradOutput: g,
                                       gradA: ga, gradB: gb)
            }
        }
        return out
    }

    /// `hidden ⊙ op(gate)`, a gated linear unit's activation (GEGLU with `.gelu`, SwiGLU with
    /// `.silu`): one pass forward and one backward, where `op(gate)` is recomputed instead of kept
    /// as a tensor. The same bits as `hidden * gate.unary(op)`.
    public static func gated(_ hidden: Tensor, gate: Tensor, activation op: UnaryOp) -> Tensor {
        precondition(hidden.shape == gate.shape, "gated: hidden \(hidden.shape) and gate \(gate.shape) differ")
        let backend = Backends.current, n = hidden.count
        var out = Tensor(computing: hidden.shape) { y in
            backend.gatedForward(op, hidden: hidden.pointer, gate: gate.pointer, output: y, count: n)
        }
        Tensor.record(&out, [hidden, gate]) { g in
            let (hiddenNode, gateNode) = (hidden.node, gate.node)
            if let hiddenNode, let gateNode, hiddenNode === gateNode {  // one tensor in both roles: both add
                let buffer = hiddenNode.gradBuffer()
                backend.gatedBackward(op, hidden: hidden.pointer, gate: gate.pointer, gradOutput: g, gradHidden: buffer,
                                      gradGate: buffer, count: n, overwriteHidden: false, overwriteGate: false)
                return
            }
            // A gradient nothing has written yet is set, not zero-filled and added to (`gradTarget()`).
            let (dh, dx) = (hiddenNode?.gradTarget(), gateNode?.gradTarget())
            if dh == nil && dx == nil { return }
            backend.gatedBackward(op, hidden: hidden.pointer, gate: gate.pointer, gradOutput: g, gradHidden: dh?.pointer,
                                  gradGate: dx?.pointer, count: n, overwriteHidden: dh.map { !$0.accumulate } ?? false,
                                  overwriteGate: dx.map { !$0.accumulate } ?? false)
        }
        return out
    }

    // MARK: Arithmetic

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary(.add, a, b)
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary(.subtract, a, b)
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary(.multiply, a, b)
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary(.divide, a, b)
    }

    public static prefix func - (x: Tensor) -> Tensor {
        x.unary(.negate)
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a.unary(.add(s)) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.unary(.add(-s)) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.unary(.multiply(s)) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.unary(.divide(s)) }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func - (s: Float, a: Tensor) -> Tensor { a.unary(.subtractFrom(s)) }

    // MARK: Unary math

    /// eˣ.
    public func exp() -> Tensor { unary(.exp) }
    /// Natural logarithm.
    public func log() -> Tensor { unary(.log) }
    /// Square root.
    public func sqrt() -> Tensor { unary(.sqrt) }
    /// 1/√x.
    public func rsqrt() -> Tensor { unary(.rsqrt) }
    /// xᵖ for a constant exponent.
    public func pow(_ p: Float) -> Tensor { unary(.pow(p)) }
    /// x², faster and exact compared with `pow(2)`.
    public func squared() -> Tensor { unary(.square) }

    /// Logistic sigmoid 1/(1+e⁻ˣ).
    public func sigmoid() -> Tensor { unary(.sigmoid) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary(.tanh) }
    /// Sine.
    public func sin() -> Tensor { unary(.sin) }
    /// Cosine.
    public func cos() -> Tensor { unary(.cos) }

    /// SiLU / swish, x·σ(x) (diffusers' resnet and time-embedding activation).
    public func silu() -> Tensor { unary(.silu) }

    /// GELU, exact `0.5·x·(1 + erf(x/√2))` (PyTorch `gelu(approximate='none')`). While a tape records
    /// x, the forward keeps `1 + erf(x/√2)` (one more activation-sized buffer) so that the backward
    /// does not evaluate erf again (`Backend.geluForward`/`geluBackward`; `unary(.gelu)`'s bits).
    public func gelu() -> Tensor {
        guard Tape.current != nil, node != nil else { return unary(.gelu) }
        let x = self, n = count, backend = Backends.current
        let u = TensorStorage(uninitializedCount: n)  // geluForward writes it, the backward holds it
        var out = Tensor(computing: shape) { y in
            backend.geluForward(input: x.pointer, output: y, onePlusErf: u.pointer, count: n)
        }
        Tensor.record(&out, [x]) { g in
            guard let node = x.node else { return }
            let (gx, accumulate) = node.gradTarget()  // a first writer sets dX (no zero fill)
            backend.geluBackward(input: x.pointer, onePlusErf: u.pointer, gradOutput: g, gradInput: gx, count: n,
                                 overwriting: !accumulate)
        }
        return out
    }

    /// GELU, tanh approximation (PyTorch `gelu(approximate='tanh')`, "gelu_new" in transformers).
    public func geluTanh() -> Tensor { unary(.geluTanh) }

    /// quick-GELU, x·σ(1.702x) (OpenAI CLIP's activation, transformers `quick_gelu`).
    public func quickGelu() -> Tensor { unary(.quickGelu) }

    /// Clamps to [lo, hi]; the gradient passes where the value was inside the range.
    public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor { unary(.clamp(lo, hi)) }

    /// `condition ? a : b` elementwise, where `condition` is nonzero; all three broadcast.
    /// The gradient goes to `a` where the condition holds and to `b` elsewhere (never to it).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let ab = Broadcast.shape(a.shape, b.shape), let shape = Broadcast.shape(condition.shape, ab) else {
            preconditionFailure("shapes \(condition.shape), \(a.shape), \(b.shape) do not broadcast")
        }
        let c = condition.detached.broadcasted(to: shape), x = a.broadcasted(to: shape), y = b.broadcasted(to: shape)
        let backend = Backends.current, n = c.count
        var out = Tensor(computing: shape) { z in
            backend.select(condition: c.pointer, a: x.pointer, b: y.pointer, output: z, count: n)
        }
        Tensor.record(&out, [x, y]) { g in
            backend.selectBackward(condition: c.pointer, gradOutput: g, gradA: x.node?.gradBuffer(), gradB: y.node?.gradBuffer(), count: n)
        }
        return out
    }
}
