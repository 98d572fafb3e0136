import Foundation
import Testing
import TensorCore

/// The CPU backend evaluates exp, sigmoid, SiLU and GELU (and their derivatives) with its own
/// vectorised polynomials instead of libm; these hold them to Double-precision references over the
/// whole range that matters, element by element, with the special values PyTorch gives.
@Suite struct VectorMathTests {
    /// 200 001 points evenly over [lo, hi], plus a tail that does not fill a vector of eight.
    static func grid(_ lo: Double, _ hi: Double, count: Int = 200_001) -> [Float] {
        (0..<count).map { Float(lo + (hi - lo) * Double($0) / Double(count - 1)) } + [0.3, -0.7, 1.1]
    }

    /// Error in units of the last place of the Float nearest `exact` (at least the smallest normal's ulp).
    static func ulps(_ got: Float, _ exact: Double) -> Double {
        let e = Float(exact)
        let ulp = Double(max(e.magnitude, Float.leastNormalMagnitude).ulp)
        return abs(Double(got) - exact) / ulp
    }

    static func forward(_ xs: [Float], _ op: (Tensor) -> Tensor) -> [Float] {
        op(Tensor(shape: [xs.count], data: xs)).scalars
    }

    /// d/dx of `op` at every x (the cotangent is all ones, each output depends on its own input).
    static func derivative(_ xs: [Float], _ op: (Tensor) -> Tensor) -> [Float] {
        let x = Tensor(shape: [xs.count], data: xs)
        return GradientTape.valueAndGradient(at: [x]) { op($0[0]).sum() }.gradients[0].scalars
    }

    static func worst(_ xs: [Float], _ got: [Float], _ exact: (Double) -> Double) -> (ulps: Double, at: Float) {
        var worst = (ulps: 0.0, at: Float.nan)
        for (x, y) in zip(xs, got) {
            let u = ulps(y, exact(Double(x)))
            if u > worst.ulps { worst = (u, x) }
        }
        return worst
    }

    @Test func expIsWithinTwoUlps() {
        let xs = Self.grid(-87, 88.7)
        let w = Self.worst(xs, Self.forward(xs) { $0.exp() }) { Foundation.exp($0) }
        #expect(w.ulps <= 2, "exp: \(w.ulps) ulp at \(w.at)")
    }

    @Test func expSpecialValues() {
        let got = Self.forward([0, 89, -104, .infinity, -.infinity, .nan, 88.72, -87.5]) { $0.exp() }
        #expect(got[0] == 1)
        #expect(got[1] == .infinity && got[2] == 0 && got[3] == .infinity && got[4] == 0)
        #expect(got[5].isNaN)
        #expect(got[6].isFinite && got[6] > 3.3e38, "exp(88.72) = \(got[6])")
        #expect(got[7] >= 0 && got[7] < 1.2e-38, "exp(-87.5) = \(got[7])")
    }

    @Test func sigmoidAndSiluAreWithinFourUlps() {
        let xs = Self.grid(-30, 30)
        let sigmoid = { (x: Double) in 1 / (1 + Foundation.exp(-x)) }
        let s = Self.worst(xs, Self.forward(xs) { $0.sigmoid() }, sigmoid)
        #expect(s.ulps <= 4, "sigmoid: \(s.ulps) ulp at \(s.at)")
        let silu = Self.worst(xs, Self.forward(xs) { $0.silu() }) { $0 * sigmoid($0) }
        #expect(silu.ulps <= 4, "silu: \(silu.ulps) ulp at \(silu.at)")
        // silu′ crosses zero near x = −1.28, where s·(1 + x·(1 − s)) cancels: its error is
        // measured against the size of the terms (1), not the tiny result.
        var dWorst = (error: 0.0, at: Float.nan)
        for (x, y) in zip(xs, Self.derivative(xs) { $0.silu() }) {
            let s = sigmoid(Double(x)), exact = s * (1 + Double(x) * (1 - s))
            let error = abs(Double(y) - exact) / max(abs(exact), 1)
            if error > dWorst.error { dWorst = (error, x) }
        }
        #expect(dWorst.error <= 2e-6, "silu′: error \(dWorst.error) at \(dWorst.at)")
        #expect(Self.forward([-200, 200, .nan]) { $0.sigmoid() }.prefix(2) == [0, 1])
    }

    @Test func geluIsWithinTolerance() {
        let xs = Self.grid(-12, 12)
        let gelu = { (x: Double) in 0.5 * x * erfc(-x / 2.0.squareRoot()) }
        let got = Self.forward(xs) { $0.gelu() }
        // Relative to the value, with an absolute floor where GELU is tiny (left tail). In the tail
        // the float rounding of z² inside exp(−z² + …) costs ~1e-6; 1 + erff(x/√2) in Float, as
        // libm gives it (and PyTorch computes GELU), is 4e-3 off at x = −4.5.
        var worst = 0.0
        var at: Float = .nan
        for (x, y) in zip(xs, got) {
            let exact = gelu(Double(x))
            let err = abs(Double(y) - exact) / max(abs(exact), 1e-6)
            if err > worst { (worst, at) = (err, x) }
        }
        #expect(worst <= 4e-6, "gelu: relative error \(worst) at \(at), value \(gelu(Double(at)))")
        let dGot = Self.derivative(xs) { $0.gelu() }
        var dWorst = 0.0
        for (x, y) in zip(xs, dGot) {
            let xd = Double(x)
            let exact = 0.5 * erfc(-xd / 2.0.squareRoot()) + xd * Foundation.exp(-0.5 * xd * xd) / (2 * Double.pi).squareRoot()
            dWorst = max(dWorst, abs(Double(y) - exact))
        }
        #expect(dWorst <= 1e-6, "gelu′: absolute error \(dWorst)")
        #expect(Self.forward([0, -40, 40]) { $0.gelu() } == [0, 0, 40])
    }

    /// An element's value does not depend on where it falls: in a full vector, in a tail, or alone.
    @Test func valuesDoNotDependOnPosition() {
        let xs = Self.grid(-9, 9, count: 1001)
        for op in [{ (t: Tensor) in t.exp() }, { $0.silu() }, { $0.gelu() }, { $0.sigmoid() }] {
            let whole = Self.forward(xs, op)
            let shifted = Array(Self.forward([1] + xs, op).dropFirst())
            let single = xs.prefix(40).map { Self.forward([$0], op)[0] }
            #expect(whole == shifted)
            #expect(Array(whole.prefix(40)) == single)
        }
    }
}
