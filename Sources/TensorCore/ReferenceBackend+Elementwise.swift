import Foundation

// The reference backend's elementwise ops, data movement, reductions, updates and random fills:
// each by its definition, in Double where it computes, one element at a time on one thread.

extension ReferenceBackend {
    /// op(x), by the formula of `UnaryOp`'s documentation.
    static func apply(_ op: UnaryOp, _ v: Float) -> Float {
        let x = Double(v)
        switch op {
        case .negate: return -v
        case .add(let s): return v + s
        case .subtractFrom(let s): return s - v
        case .multiply(let s): return v * s
        case .divide(let s): return v / s
        case .square: return Float(x * x)
        case .pow(let p): return Float(Foundation.pow(x, Double(p)))
        case .exp: return Float(Foundation.exp(x))
        case .log: return Float(Foundation.log(x))
        case .sqrt: return Float(x.squareRoot())
        case .rsqrt: return Float(1 / x.squareRoot())
        case .sigmoid: return Float(1 / (1 + Foundation.exp(-x)))
        case .tanh: return Float(Foundation.tanh(x))
        case .silu: return Float(x / (1 + Foundation.exp(-x)))
        case .gelu: return Float(0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())))
        case .geluTanh: return Float(0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))))
        case .quickGelu: return Float(x / (1 + Foundation.exp(-1.702 * x)))
        case .clamp(let lo, let hi): return Swift.min(Swift.max(v, lo), hi)
        case .abs: return Swift.abs(v)
        case .threshold(let t, let value): return v >= t ? value : 0
        case .sin: return Float(Foundation.sin(x))
        case .cos: return Float(Foundation.cos(x))
        }
    }

    /// d op(x) / dx at x (y = op(x)), by differentiating the formula.
    static func derivative(_ op: UnaryOp, _ v: Float) -> Double {
        let x = Double(v)
        func sigmoid(_ z: Double) -> Double { 1 / (1 + Foundation.exp(-z)) }
        switch op {
        case .negate, .subtractFrom: return -1
        case .add: return 1
        case .multiply(let s): return Double(s)
        case .divide(let s): return 1 / Double(s)
        case .square: return 2 * x
        case .pow(let p): return Double(p) * Foundation.pow(x, Double(p) - 1)
        case .exp: return Foundation.exp(x)
        case .log: return 1 / x
        case .sqrt: return 0.5 / x.squareRoot()
        case .rsqrt: return -0.5 / (x * x.squareRoot())
        case .sigmoid: return sigmoid(x) * (1 - sigmoid(x))
        case .tanh: return 1 - Foundation.tanh(x) * Foundation.tanh(x)
        case .silu: return sigmoid(x) * (1 + x * (1 - sigmoid(x)))
        case .gelu: return 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) + x * Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        case .geluTanh:
            let c = (2 / Double.pi).squareRoot(), u = c * (x + 0.044715 * x * x * x), t = Foundation.tanh(u)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        case .quickGelu: return sigmoid(1.702 * x) + 1.702 * x * sigmoid(1.702 * x) * (1 - sigmoid(1.702 * x))
        case .clamp(let lo, let hi): return (v >= lo && v <= hi) ? 1 : 0
        case .abs: return v > 0 ? 1 : (v < 0 ? -1 : 0)
        case .threshold: return 0
        case .sin: return Foundation.cos(x)
        case .cos: return -Foundation.sin(x)
        }
    }

    public func unaryForward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = Self.apply(op, input[i]) }
    }

    public func unaryBackward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                              gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>, count: Int,
                              overwriting: Bool) {
        for i in 0..<count {
            gradInput[i] = Float((overwriting ? 0 : Double(gradInput[i])) + Double(gradOutput[i]) * Self.derivative(op, input[i]))
        }
    }

    public func geluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                            onePlusErf: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            onePlusErf[i] = Float(1 + Foundation.erf(Double(input[i]) / 2.0.squareRoot()))
            output[i] = Self.apply(.gelu, input[i])
        }
    }

    public func geluBackward(input: UnsafePointer<Float>, onePlusErf: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                             gradInput: UnsafeMutablePointer<Float>, count: Int, overwriting: Bool) {
        for i in 0..<count {
            let x = Double(input[i])
            let derivative = 0.5 * Double(onePlusErf[i]) + x * Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            gradInput[i] = Float((overwriting ? 0 : Double(gradInput[i])) + Double(gradOutput[i]) * derivative)
        }
    }

    public func gatedForward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                             output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = Float(Double(hidden[i]) * Double(Self.apply(op, gate[i]))) }
    }

    public func gatedBackward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                              gradOutput: UnsafePointer<Float>, gradHidden: UnsafeMutablePointer<Float>?,
                              gradGate: UnsafeMutablePointer<Float>?, count: Int, overwriteHidden: Bool, overwriteGate: Bool) {
        for i in 0..<count {
            let g = Double(gradOutput[i])
            if let gradHidden {
                gradHidden[i] = Float((overwriteHidden ? 0 : Double(gradHidden[i])) + g * Double(Self.apply(op, gate[i])))
            }
            if let gradGate {
                gradGate[i] = Float((overwriteGate ? 0 : Double(gradGate[i])) + g * Double(hidden[i]) * Self.derivative(op, gate[i]))
            }
        }
    }

    /// The element offset of flat index `index` of `shape` read through `strides`.
    static func offset(_ index: Int, shape: [Int], strides: [Int]) -> Int {
        var rest = index, at = 0
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            at += (rest % shape[axis]) * strides[axis]
            rest /= shape[axis]
        }
        return at
    }

    public func binaryForward(_ op: BinaryOp, shape: [Int], a: UnsafePointer<Float>, aStrides: [Int],
                              b: UnsafePointer<Float>, bStrides: [Int], output: UnsafeMutablePointer<Float>) {
        for i in 0..<shape.reduce(1, *) {
            let x = a[Self.offset(i, shape: shape, strides: aStrides)], y = b[Self.offset(i, shape: shape, strides: bStrides)]
            switch op {
            case .add: output[i] = x + y
            case .subtract: output[i] = x - y
            case .multiply: output[i] = x * y
            case .divide: output[i] = x / y
            }
        }
    }

    public func binaryBackward(_ op: BinaryOp, shape: [Int], a: UnsafePointer<Float>, aStrides: [Int],
                               b: UnsafePointer<Float>, bStrides: [Int], gradOutput: UnsafePointer<Float>,
                               gradA: UnsafeMutablePointer<Float>?, gradB: UnsafeMutablePointer<Float>?) {
        for i in 0..<shape.reduce(1, *) {
            let oa = Self.offset(i, shape: shape, strides: aStrides), ob = Self.offset(i, shape: shape, strides: bStrides)
            let (x, y, g) = (Double(a[oa]), Double(b[ob]), Double(gradOutput[i]))
            let (da, db): (Double, Double) = switch op {
            case .add: (1, 1)
            case .subtract: (1, -1)
            case .multiply: (y, x)
            case .divide: (1 / y, -x / (y * y))
            }
            if let gradA { gradA[oa] = Float(Double(gradA[oa]) + g * da) }
            if let gradB { gradB[ob] = Float(Double(gradB[ob]) + g * db) }
        }
    }

    public func select(condition: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                       output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = condition[i] != 0 ? a[i] : b[i] }
    }

    public func selectBackward(condition: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                               gradA: UnsafeMutablePointer<Float>?, gradB: UnsafeMutablePointer<Float>?, count: Int) {
        for i in 0..<count {
            if condition[i] != 0 { gradA?[i] += gradOutput[i] } else { gradB?[i] += gradOutput[i] }
        }
    }

    // MARK: Data movement

    public func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
        for j in 0..<cols {
            var total = Double(sums[j])
            for i in 0..<rows { total += Double(x[i * cols + j]) }
            sums[j] = Float(total)
        }
    }

    public func stridedCopy(shape: [Int], input: UnsafePointer<Float>, strides: [Int], output: UnsafeMutablePointer<Float>) {
        for i in 0..<shape.reduce(1, *) { output[i] = input[Self.offset(i, shape: shape, strides: strides)] }
    }

    public func stridedAdd(shape: [Int], gradOutput: UnsafePointer<Float>, strides: [Int], gradInput: UnsafeMutablePointer<Float>) {
        for i in 0..<shape.reduce(1, *) { gradInput[Self.offset(i, shape: shape, strides: strides)] += gradOutput[i] }
    }

    public func gatherRows(_ input: UnsafePointer<Float>, rowLength: Int, rows: [Int], output: UnsafeMutablePointer<Float>) {
        for (i, r) in rows.enumerated() { for j in 0..<rowLength { output[i * rowLength + j] = input[r * rowLength + j] } }
    }

    public func scatterAddRows(_ gradOutput: UnsafePointer<Float>, rowLength: Int, rows: [Int], into gradInput: UnsafeMutablePointer<Float>) {
        for (i, r) in rows.enumerated() { for j in 0..<rowLength { gradInput[r * rowLength + j] += gradOutput[i * rowLength + j] } }
    }

    // MARK: Reductions

    public func sumAxis(_ x: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int, output: UnsafeMutablePointer<Float>) {
        for o in 0..<outer {
            for i in 0..<inner {
                var total = 0.0
                for j in 0..<n { total += Double(x[(o * n + j) * inner + i]) }
                output[o * inner + i] = Float(total)
            }
        }
    }

    public func sumAxisBackward(_ gradOutput: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int,
                                gradInput: UnsafeMutablePointer<Float>) {
        for o in 0..<outer { for j in 0..<n { for i in 0..<inner { gradInput[(o * n + j) * inner + i] += gradOutput[o * inner + i] } } }
    }

    public func maxAxis(_ x: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int, output: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Float>) {
        precondition(n > 0, "max over an empty axis")
        for o in 0..<outer {
            for i in 0..<inner {
                var at = 0
                for j in 1..<n where x[(o * n + j) * inner + i] > x[(o * n + at) * inner + i] { at = j }
                output[o * inner + i] = x[(o * n + at) * inner + i]
                argmax[o * inner + i] = Float(at)
            }
        }
    }

    public func maxAxisBackward(_ gradOutput: UnsafePointer<Float>, argmax: UnsafePointer<Float>, outer: Int, length n: Int,
                                inner: Int, gradInput: UnsafeMutablePointer<Float>) {
        for o in 0..<outer {
            for i in 0..<inner { gradInput[(o * n + Int(argmax[o * inner + i])) * inner + i] += gradOutput[o * inner + i] }
        }
    }

    public func countNonFinite(_ x: UnsafePointer<Float>, count: Int) -> Int {
        (0..<count).filter { !x[$0].isFinite }.count
    }

    // MARK: Updates of flat buffers

    public func adamWUpdate(_ step: AdamWStep, parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                            firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let gi = Double(g[i])
            p[i] = Float(Double(p[i]) * Double(step.decay))
            m[i] = Float(Double(m[i]) + (gi - Double(m[i])) * (1 - Double(step.beta1)))
            v[i] = Float(Double(v[i]) * Double(step.beta2) + (1 - Double(step.beta2)) * gi * gi)
            let denom = Double(v[i]).squareRoot() / Double(step.biasCorrection2Sqrt) + Double(step.eps)
            p[i] = Float(Double(p[i]) - Double(step.stepSize) * Double(m[i]) / denom)
        }
    }

    public func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        for i in 0..<count { total += Double(x[i]) * Double(x[i]) }
        return total
    }

    public func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    public func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for i in 0..<count { x[i] *= factor }
    }

    public func movingAverageUpdate(shadow: UnsafeMutablePointer<Float>, parameters: UnsafePointer<Float>, count: Int, decay: Float) {
        for i in 0..<count { shadow[i] = Float(Double(shadow[i]) - (1 - Double(decay)) * (Double(shadow[i]) - Double(parameters[i]))) }
    }

    // MARK: Random fills: the same Philox streams, drawn on the host and uploaded

    public func fillNormal(_ buffer: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float, generator: inout Philox) {
        var host = [Float](repeating: 0, count: count)
        host.withUnsafeMutableBufferPointer { generator.fillNormal($0, mean: mean, std: std) }
        host.withUnsafeBufferPointer { if let base = $0.baseAddress { upload(base, to: buffer, count: count) } }
    }

    public func fillUniform(_ buffer: UnsafeMutablePointer<Float>, count: Int, generator: inout Philox) {
        var host = [Float](repeating: 0, count: count)
        host.withUnsafeMutableBufferPointer { generator.fillUniform($0) }
        host.withUnsafeBufferPointer { if let base = $0.baseAddress { upload(base, to: buffer, count: count) } }
    }
}
