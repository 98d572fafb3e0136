import CVectorMath
import Foundation

// Elementwise kernels. Each op gets its own loop (the switch is outside the loop), so LLVM
// inlines the expression and vectorises what it can; exp and the activations built on exp and erf
// run eight lanes at a time through `VectorMath` instead of libm's scalar calls. The other
// expressions are written out in place.

extension CPUBackend {
    /// Elements per parallel block: fixed, so results never depend on the number of threads.
    static let elementwiseBlock = 1 << 16

    public func unaryForward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        unaryForward(op, input: input, output: output, count: count, isa: VectorISA.active)
    }

    /// `unaryForward` with exp and the activations built on it in the instruction set `isa` (one
    /// `VectorISA.available` lists). Every set gives the same bits.
    public func unaryForward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
                             isa: VectorISA) {
        precondition(VectorISA.available.contains(isa), "unaryForward: this CPU does not run \(isa.rawValue)")
        if isa != .baseline, let code = VectorISA.code(op) {
            Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
                _ = isa.map(code, input + r.lowerBound, output + r.lowerBound, r.count)
            }
            return
        }
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            Self.unaryForward(op, input + r.lowerBound, output + r.lowerBound, r.count)
        }
    }

    /// One block of `unaryForward`. The switch is here, inside the block, so each case's loop is
    /// compiled with its expression inlined (a closure carried into the parallel loop is not).
    static func unaryForward(_ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .negate: map(x, y, n) { -$0 }
        case .add(let s): map(x, y, n) { $0 + s }
        case .subtractFrom(let s): map(x, y, n) { s - $0 }
        case .multiply(let s): map(x, y, n) { $0 * s }
        case .divide(let s): map(x, y, n) { $0 / s }
        case .square: map(x, y, n) { $0 * $0 }
        case .pow(let p): map(x, y, n) { Foundation.pow($0, p) }
        case .exp: VectorMath.map(x, y, n) { VectorMath.exp($0) }
        case .log: map(x, y, n) { Foundation.log($0) }
        case .sqrt: map(x, y, n) { $0.squareRoot() }
        case .rsqrt: map(x, y, n) { 1 / $0.squareRoot() }
        case .sigmoid: VectorMath.map(x, y, n) { VectorMath.sigmoid($0) }
        case .tanh: map(x, y, n) { Foundation.tanh($0) }
        case .silu: VectorMath.map(x, y, n) { VectorMath.silu($0) }
        case .gelu: VectorMath.map(x, y, n) { VectorMath.gelu($0) }
        case .geluTanh: map(x, y, n) { ElementwiseMath.geluTanh($0) }
        case .quickGelu: VectorMath.map(x, y, n) { $0 * VectorMath.sigmoid(1.702 * $0) }
        case .clamp(let lo, let hi): map(x, y, n) { Swift.min(Swift.max($0, lo), hi) }
        case .abs: map(x, y, n) { Swift.abs($0) }
        case .threshold(let t, let v): map(x, y, n) { $0 >= t ? v : 0 }
        case .sin: map(x, y, n) { Foundation.sin($0) }
        case .cos: map(x, y, n) { Foundation.cos($0) }
        }
    }

    public func unaryBackward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                              gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>, count: Int,
                              overwriting: Bool) {
        unaryBackward(op, input: input, output: output, gradOutput: gradOutput, gradInput: gradInput, count: count,
                      overwriting: overwriting, isa: VectorISA.active)
    }

    /// `unaryBackward` with the derivatives of SiLU, GELU and QuickGELU in the instruction set `isa`.
    public func unaryBackward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                              gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>, count: Int,
                              overwriting: Bool = false, isa: VectorISA) {
        precondition(VectorISA.available.contains(isa), "unaryBackward: this CPU does not run \(isa.rawValue)")
        if isa != .baseline, let code = VectorISA.derivativeCode(op) {
            Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
                let o = r.lowerBound
                _ = isa.accumulate(code, input + o, gradOutput + o, gradInput + o, r.count, overwriting: overwriting)
            }
            return
        }
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            let o = r.lowerBound
            Self.unaryBackward(op, input + o, output + o, gradOutput + o, gradInput + o, r.count, overwriting: overwriting)
        }
    }

    public func geluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                            onePlusErf: UnsafeMutablePointer<Float>, count: Int) {
        geluForward(input: input, output: output, onePlusErf: onePlusErf, count: count, isa: VectorISA.active)
    }

    /// `geluForward` in the instruction set `isa`; every set gives the same bits.
    public func geluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                            onePlusErf: UnsafeMutablePointer<Float>, count: Int, isa: VectorISA) {
        precondition(VectorISA.available.contains(isa), "geluForward: this CPU does not run \(isa.rawValue)")
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            let (x, y, u, n) = (input + r.lowerBound, output + r.lowerBound, onePlusErf + r.lowerBound, r.count)
            if isa.geluSaving(x, y, u, n) { return }
            // VectorMath.gelu keeping its onePlusErf, 8 lanes at a time, the tail padded into a vector
            var i = 0
            while i < n {
                let lanes = Swift.min(8, n - i)
                var v = VectorMath.V(repeating: 0)
                for j in 0..<lanes { v[j] = x[i + j] }
                let w = VectorMath.onePlusErf(v)
                let gelu = VectorMath.gelu(v, onePlusErf: w)
                for j in 0..<lanes { (u[i + j], y[i + j]) = (w[j], gelu[j]) }
                i += lanes
            }
        }
    }

    public func geluBackward(input: UnsafePointer<Float>, onePlusErf: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                             gradInput: UnsafeMutablePointer<Float>, count: Int, overwriting: Bool) {
        geluBackward(input: input, onePlusErf: onePlusErf, gradOutput: gradOutput, gradInput: gradInput, count: count,
                     overwriting: overwriting, isa: VectorISA.active)
    }

    /// `geluBackward` in the instruction set `isa`; every set gives the same bits.
    public func geluBackward(input: UnsafePointer<Float>, onePlusErf: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                             gradInput: UnsafeMutablePointer<Float>, count: Int, overwriting: Bool, isa: VectorISA) {
        precondition(VectorISA.available.contains(isa), "geluBackward: this CPU does not run \(isa.rawValue)")
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            let o = r.lowerBound
            let (x, u, g, gx, n) = (input + o, onePlusErf + o, gradOutput + o, gradInput + o, r.count)
            if isa.geluBackwardSaved(x, u, g, gx, n, overwriting: overwriting) { return }
            // VectorMath.accumulate of geluDerivative with the saved u, 8 lanes at a time, the tail padded
            var i = 0
            while i < n {
                let lanes = Swift.min(8, n - i)
                var (v, w) = (VectorMath.V(repeating: 0), VectorMath.V(repeating: 0))
                for j in 0..<lanes { (v[j], w[j]) = (x[i + j], u[i + j]) }
                let d = VectorMath.geluDerivative(v, onePlusErf: w)
                for j in 0..<lanes {
                    let term = g[i + j] * d[j]
                    gx[i + j] = overwriting ? term : gx[i + j] + term
                }
                i += lanes
            }
        }
    }

    /// One block of `unaryBackward`.
    static func unaryBackward(_ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                              _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>, _ n: Int, overwriting: Bool = false) {
        switch op {
        case .silu: VectorMath.accumulate(x, g, gx, n, overwriting: overwriting) { VectorMath.siluDerivative($0) }
        case .gelu: VectorMath.accumulate(x, g, gx, n, overwriting: overwriting) { VectorMath.geluDerivative($0) }
        case .quickGelu: VectorMath.accumulate(x, g, gx, n, overwriting: overwriting) { x in
            let s = VectorMath.sigmoid(1.702 * x)
            return s + 1.702 * x * s * (1 - s)
        }
        default:
            // The scalar derivatives add into gx: a first writer zeroes it first (rare ops, not per step).
            if overwriting { gx.update(repeating: 0, count: n) }
            addDerivative(op, x, y, g, gx, n)
        }
    }

    /// gx += g·op′(x) for the ops with scalar derivatives.
    private static func addDerivative(_ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                      _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .negate: accumulate(x, y, g, gx, n) { _, _ in -1 }
        case .add: accumulate(x, y, g, gx, n) { _, _ in 1 }
        case .subtractFrom: accumulate(x, y, g, gx, n) { _, _ in -1 }
        case .multiply(let s): accumulate(x, y, g, gx, n) { _, _ in s }
        case .divide(let s): accumulate(x, y, g, gx, n) { _, _ in 1 / s }
        case .square: accumulate(x, y, g, gx, n) { x, _ in 2 * x }
        case .pow(let p): accumulate(x, y, g, gx, n) { x, _ in p * Foundation.pow(x, p - 1) }
        case .exp: accumulate(x, y, g, gx, n) { _, y in y }
        case .log: accumulate(x, y, g, gx, n) { x, _ in 1 / x }
        case .sqrt: accumulate(x, y, g, gx, n) { _, y in 0.5 / y }
        case .rsqrt: accumulate(x, y, g, gx, n) { _, y in -0.5 * y * y * y }
        case .sigmoid: accumulate(x, y, g, gx, n) { _, y in y * (1 - y) }
        case .tanh: accumulate(x, y, g, gx, n) { _, y in 1 - y * y }
        case .silu, .gelu, .quickGelu: preconditionFailure("addDerivative: \(op) runs in VectorMath")
        case .geluTanh: accumulate(x, y, g, gx, n) { x, _ in ElementwiseMath.geluTanhDerivative(x) }
        case .clamp(let lo, let hi): accumulate(x, y, g, gx, n) { x, _ in (x >= lo && x <= hi) ? 1 : 0 }
        case .abs: accumulate(x, y, g, gx, n) { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }
        case .threshold: accumulate(x, y, g, gx, n) { _, _ in 0 }
        case .sin: accumulate(x, y, g, gx, n) { x, _ in Foundation.cos(x) }
        case .cos: accumulate(x, y, g, gx, n) { x, _ in -Foundation.sin(x) }
        }
    }

    public func gatedForward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                             output: UnsafeMutablePointer<Float>, count: Int) {
        gatedForward(op, hidden: hidden, gate: gate, output: output, count: count, isa: VectorISA.active)
    }

    /// `gatedForward` in the instruction set `isa`: one fused pass for SiLU, GELU and QuickGELU;
    /// any other op (and `.baseline`) as the activation's block then the multiply — the bits of the
    /// unfused ops either way.
    public func gatedForward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                             output: UnsafeMutablePointer<Float>, count: Int, isa: VectorISA) {
        precondition(VectorISA.available.contains(isa), "gatedForward: this CPU does not run \(isa.rawValue)")
        let code = VectorISA.derivativeCode(op)
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            let (h, x, y, n) = (hidden + r.lowerBound, gate + r.lowerBound, output + r.lowerBound, r.count)
            if let code, isa.gated(code, h, x, y, n) { return }
            Self.unaryForward(op, x, y, n)  // y = op(gate), then y = hidden·y
            for i in 0..<n { y[i] = h[i] * y[i] }
        }
    }

    public func gatedBackward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                              gradOutput: UnsafePointer<Float>, gradHidden: UnsafeMutablePointer<Float>?,
                              gradGate: UnsafeMutablePointer<Float>?, count: Int, overwriteHidden: Bool, overwriteGate: Bool) {
        gatedBackward(op, hidden: hidden, gate: gate, gradOutput: gradOutput, gradHidden: gradHidden, gradGate: gradGate,
                      count: count, overwriteHidden: overwriteHidden, overwriteGate: overwriteGate, isa: VectorISA.active)
    }

    /// `gatedBackward` in the instruction set `isa`: one fused pass for SiLU, GELU and QuickGELU
    /// (the activation recomputed from the gate, not kept from the forward); any other op per block
    /// through the activation's own kernels, in the unfused ops' order and bits.
    public func gatedBackward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                              gradOutput: UnsafePointer<Float>, gradHidden: UnsafeMutablePointer<Float>?,
                              gradGate: UnsafeMutablePointer<Float>?, count: Int, overwriteHidden: Bool, overwriteGate: Bool,
                              isa: VectorISA) {
        precondition(VectorISA.available.contains(isa), "gatedBackward: this CPU does not run \(isa.rawValue)")
        if gradHidden == nil && gradGate == nil { return }
        let code = VectorISA.derivativeCode(op)
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            let o = r.lowerBound, n = r.count
            let (h, x, g) = (hidden + o, gate + o, gradOutput + o)
            let (dh, dx) = (gradHidden.map { $0 + o }, gradGate.map { $0 + o })
            if let code, isa.gatedBackward(code, h, x, g, dh, dx, n, accumulateHidden: !overwriteHidden,
                                           accumulateGate: !overwriteGate) { return }
            // activation: op(gate) (the forward's output, which some derivatives read); product: g·hidden
            ScratchPool.withBuffer(count: 2 * n) { scratch in
                let activation = scratch, product = scratch + n
                Self.unaryForward(op, x, activation, n)
                if let dh {
                    if overwriteHidden { for i in 0..<n { dh[i] = g[i] * activation[i] } }
                    else { for i in 0..<n { dh[i] += g[i] * activation[i] } }
                }
                guard let dx else { return }
                for i in 0..<n { product[i] = g[i] * h[i] }
                Self.unaryBackward(op, x, activation, product, dx, n, overwriting: overwriteGate)
            }
        }
    }

    public func binaryForward(_ op: BinaryOp, shape: [Int], a: UnsafePointer<Float>, aStrides: [Int],
                              b: UnsafePointer<Float>, bStrides: [Int], output z: UnsafeMutablePointer<Float>) {
        let rows = BroadcastRows(shape, aStrides, bStrides)
        if rows.contiguous {
            Parallel.forEach(range: rows.total, blockSize: Self.elementwiseBlock) { r in
                let o = r.lowerBound
                Self.binaryForwardRow(op, a + o, 1, b + o, 1, z + o, r.count)
            }
            return
        }
        Parallel.forEach(range: rows.count, blockSize: rows.rowsPerBlock) { range in
            for row in range {
                let (oa, ob) = rows.offsets(row)
                Self.binaryForwardRow(op, a + oa, rows.innerA, b + ob, rows.innerB, z + row * rows.inner, rows.inner)
            }
        }
    }

    public func binaryBackward(_ op: BinaryOp, shape: [Int], a: UnsafePointer<Float>, aStrides: [Int],
                               b: UnsafePointer<Float>, bStrides: [Int], gradOutput g: UnsafePointer<Float>,
                               gradA: UnsafeMutablePointer<Float>?, gradB: UnsafeMutablePointer<Float>?) {
        // A pass per input. An input read without stretching gets one term per element (rows in
        // parallel); a stretched one sums its terms serially, in output order.
        let rows = BroadcastRows(shape, aStrides, bStrides)
        for (input, grad) in [(0, gradA), (1, gradB)] {
            guard let grad else { continue }
            if rows.contiguous {
                Parallel.forEach(range: rows.total, blockSize: Self.elementwiseBlock) { r in
                    let o = r.lowerBound
                    Self.binaryBackwardRow(op, input, a + o, 1, b + o, 1, g + o, grad + o, 1, r.count)
                }
                continue
            }
            func row(_ row: Int) {
                let (oa, ob) = rows.offsets(row)
                Self.binaryBackwardRow(op, input, a + oa, rows.innerA, b + ob, rows.innerB, g + row * rows.inner,
                                       grad + (input == 0 ? oa : ob), input == 0 ? rows.innerA : rows.innerB, rows.inner)
            }
            if rows.isUnstretched(input) {
                Parallel.forEach(range: rows.count, blockSize: rows.rowsPerBlock) { range in
                    for r in range { row(r) }
                }
            } else {
                for r in 0..<rows.count { row(r) }
            }
        }
    }

    public func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        // Columns in fixed blocks of 64, in parallel; within a column the rows add in order. 32
        // columns at a time keep four independent chains of adds in flight (one chain waits on
        // each add's latency) and read each row's 128 bytes in one pass.
        Parallel.forEach(range: cols, blockSize: 64) { block in
            var j = block.lowerBound
            while j + 32 <= block.upperBound {
                var (a0, a1, a2, a3) = (Self.load8(sums + j), Self.load8(sums + j + 8),
                                        Self.load8(sums + j + 16), Self.load8(sums + j + 24))
                for i in 0..<rows {
                    let row = x + i * cols + j
                    a0 += Self.load8(row)
                    a1 += Self.load8(row + 8)
                    a2 += Self.load8(row + 16)
                    a3 += Self.load8(row + 24)
                }
                Self.store8(a0, sums + j)
                Self.store8(a1, sums + j + 8)
                Self.store8(a2, sums + j + 16)
                Self.store8(a3, sums + j + 24)
                j += 32
            }
            while j + 8 <= block.upperBound {
                var acc = Self.load8(sums + j)
                for i in 0..<rows { acc += Self.load8(x + i * cols + j) }
                Self.store8(acc, sums + j)
                j += 8
            }
            while j < block.upperBound {
                var acc = sums[j]
                for i in 0..<rows { acc += x[i * cols + j] }
                sums[j] = acc
                j += 1
            }
        }
    }

    public func stridedCopy(shape: [Int], input: UnsafePointer<Float>, strides: [Int], output: UnsafeMutablePointer<Float>) {
        let rows = BroadcastRows(shape, strides, [Int](repeating: 0, count: shape.count))
        Parallel.forEach(range: rows.count, blockSize: rows.rowsPerBlock) { range in
            for row in range {
                let src = input + rows.offsets(row).0, dst = output + row * rows.inner, step = rows.innerA
                if step == 1 {
                    dst.update(from: src, count: rows.inner)
                } else {
                    for j in 0..<rows.inner { dst[j] = src[j * step] }
                }
            }
        }
    }

    public func stridedAdd(shape: [Int], gradOutput: UnsafePointer<Float>, strides: [Int], gradInput: UnsafeMutablePointer<Float>) {
        let rows = BroadcastRows(shape, strides, [Int](repeating: 0, count: shape.count))
        func add(_ row: Int) {
            let dst = gradInput + rows.offsets(row).0, src = gradOutput + row * rows.inner, step = rows.innerA
            if step == 1 {
                for j in 0..<rows.inner { dst[j] += src[j] }
            } else {
                for j in 0..<rows.inner { dst[j * step] += src[j] }
            }
        }
        if rows.isUnstretched(0) {  // each input element once: rows in parallel
            Parallel.forEach(range: rows.count, blockSize: rows.rowsPerBlock) { range in
                for row in range { add(row) }
            }
        } else {
            for row in 0..<rows.count { add(row) }
        }
    }

    // MARK: Loops

    /// y[i] = f(x[i]).
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float) -> Float) {
        for i in 0..<n { y[i] = f(x[i]) }
    }

    /// gx[i] += g[i] · d(x[i], y[i]).
    @inline(__always)
    static func accumulate(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                           _ gx: UnsafeMutablePointer<Float>, _ n: Int, _ d: (Float, Float) -> Float) {
        for i in 0..<n { gx[i] += g[i] * d(x[i], y[i]) }
    }

    /// One row of `binaryForward`: z[j] = op(a[j·sa], b[j·sb]) for j in 0..<n (strides 0 or 1).
    static func binaryForwardRow(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                                 _ z: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .add: zipRow(a, sa, b, sb, z, n) { $0 + $1 }
        case .subtract: zipRow(a, sa, b, sb, z, n) { $0 - $1 }
        case .multiply: zipRow(a, sa, b, sb, z, n) { $0 * $1 }
        case .divide: zipRow(a, sa, b, sb, z, n) { $0 / $1 }
        }
    }

    @inline(__always)
    static func zipRow(_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                       _ z: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float, Float) -> Float) {
        if sa == 1 && sb == 1 {
            for j in 0..<n { z[j] = f(a[j], b[j]) }
        } else if sa == 1 {
            let bv = b[0]
            for j in 0..<n { z[j] = f(a[j], bv) }
        } else if sb == 1 {
            let av = a[0]
            for j in 0..<n { z[j] = f(av, b[j]) }
        } else {
            for j in 0..<n { z[j] = f(a[j * sa], b[j * sb]) }
        }
    }

    /// One row of `binaryBackward` for input 0 (a) or 1 (b): grad[j·sg] += g[j] · ∂z/∂input.
    static func binaryBackwardRow(_ op: BinaryOp, _ input: Int, _ a: UnsafePointer<Float>, _ sa: Int,
                                  _ b: UnsafePointer<Float>, _ sb: Int, _ g: UnsafePointer<Float>,
                                  _ grad: UnsafeMutablePointer<Float>, _ sg: Int, _ n: Int) {
        switch (op, input) {
        case (.add, _), (.subtract, 0): gradientRow(a, sa, b, sb, g, grad, sg, n) { _, _ in 1 }
        case (.subtract, _): gradientRow(a, sa, b, sb, g, grad, sg, n) { _, _ in -1 }
        case (.multiply, 0): gradientRow(a, sa, b, sb, g, grad, sg, n) { _, b in b }
        case (.multiply, _): gradientRow(a, sa, b, sb, g, grad, sg, n) { a, _ in a }
        case (.divide, 0): gradientRow(a, sa, b, sb, g, grad, sg, n) { _, b in 1 / b }
        case (.divide, _): gradientRow(a, sa, b, sb, g, grad, sg, n) { a, b in -a / (b * b) }
        }
    }

    @inline(__always)
    static func gradientRow(_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                            _ g: UnsafePointer<Float>, _ grad: UnsafeMutablePointer<Float>, _ sg: Int, _ n: Int,
                            _ d: (Float, Float) -> Float) {
        if sa == 1 && sb == 1 && sg == 1 {
            for j in 0..<n { grad[j] += g[j] * d(a[j], b[j]) }
        } else if sg == 1 {
            for j in 0..<n { grad[j] += g[j] * d(a[j * sa], b[j * sb]) }
        } else {
            for j in 0..<n { grad[j * sg] += g[j] * d(a[j * sa], b[j * sb]) }
        }
    }
}

/// A broadcast shape walked as rows of its last (collapsed) axis, with each input's offset per row.
struct BroadcastRows {
    let shape: [Int]
    let sa: [Int]
    let sb: [Int]
    let total: Int
    /// Both inputs read contiguously, element for element.
    let contiguous: Bool
    let inner: Int
    let innerA: Int
    let innerB: Int
    let count: Int
    let rowsPerBlock: Int

    init(_ shape: [Int], _ sa: [Int], _ sb: [Int]) {
        // Merge neighbouring axes that both inputs read as one (a[i] stride = a[i+1] stride × size).
        var s: [Int] = [], a: [Int] = [], b: [Int] = []
        for k in 0..<shape.count where shape[k] != 1 {
            if let last = s.last, a.last! == sa[k] * shape[k], b.last! == sb[k] * shape[k] {
                s[s.count - 1] = last * shape[k]
                a[a.count - 1] = sa[k]
                b[b.count - 1] = sb[k]
            } else {
                s.append(shape[k]); a.append(sa[k]); b.append(sb[k])
            }
        }
        if s.isEmpty { s = [1]; a = [0]; b = [0] }
        self.shape = s
        self.sa = a
        self.sb = b
        total = s.reduce(1, *)
        contiguous = s.count == 1 && a[0] == 1 && b[0] == 1
        inner = s[s.count - 1]
        innerA = a[a.count - 1]
        innerB = b[b.count - 1]
        count = total / Swift.max(inner, 1)
        rowsPerBlock = Swift.max(1, CPUBackend.elementwiseBlock / Swift.max(inner, 1))
    }

    /// Offsets of `row`'s first element in a and b.
    @inline(__always)
    func offsets(_ row: Int) -> (Int, Int) {
        var rest = row, oa = 0, ob = 0
        var axis = shape.count - 2
        while axis >= 0 {
            let index = rest % shape[axis]
            rest /= shape[axis]
            oa += index * sa[axis]
            ob += index * sb[axis]
            axis -= 1
        }
        return (oa, ob)
    }

    /// Whether input 0 (a) or 1 (b) is read with no stretched axis (each element once).
    func isUnstretched(_ input: Int) -> Bool {
        (input == 0 ? sa : sb).allSatisfy { $0 != 0 }
    }
}

/// The tanh-approximated GELU (scalar libm `tanh`; it runs only in configs that ask for it).
enum ElementwiseMath {
    static let geluTanhC: Float = 0.79788456080286536  // √(2/π)

    @inline(__always)
    static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + Foundation.tanh(geluTanhC * (x + 0.044715 * x * x * x)))
    }

    @inline(__always)
    static func geluTanhDerivative(_ x: Float) -> Float {
        let c = geluTanhC
        let inner = c * (x + 0.044715 * x * x * x)
        let t = Foundation.tanh(inner)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    }
}
