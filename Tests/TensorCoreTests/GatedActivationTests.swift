import Foundation
import Testing
import TensorCore

/// `Tensor.gated` (`hidden ⊙ op(gate)`, GEGLU's activation) fuses the activation and the multiply
/// into one pass each way. It must give the unfused ops' bits on the CPU backend — forward, both
/// gradients, set or added to — in every instruction set, and agree with the reference backend.
@Suite struct GatedActivationTests {
    /// Inputs over the range that matters, the length not a multiple of any vector width (tails).
    static let count = 1000 * 16 + 13
    static func values(_ seed: Int, scale: Float) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 3 + seed * 17) * 0.731)) * scale }
    }

    static let ops: [UnaryOp] = [.gelu, .silu, .quickGelu, .tanh, .sigmoid]

    /// Output, dHidden and dGate of Σ C ⊙ y, y either fused or `hidden * gate.unary(op)`.
    static func run(_ op: UnaryOp, fused: Bool) -> [[Float]] {
        let shape = [count]
        let (hidden, gate, c) = (Tensor(shape: shape, data: values(1, scale: 2)), Tensor(shape: shape, data: values(2, scale: 6)),
                                 Tensor(shape: shape, data: values(3, scale: 1)))
        var output: [Float] = []
        let (_, grads) = GradientTape.valueAndGradient(at: [hidden, gate]) { p in
            let activated: Tensor
            switch op {
            case .gelu: activated = p[1].gelu()
            case .silu: activated = p[1].silu()
            case .quickGelu: activated = p[1].quickGelu()
            case .tanh: activated = p[1].tanh()
            default: activated = p[1].sigmoid()
            }
            let y = fused ? Tensor.gated(p[0], gate: p[1], activation: op) : p[0] * activated
            output = y.scalars
            return (y * c).sum()
        }
        return [output] + grads.map(\.scalars)
    }

    @Test("fused equals unfused on the CPU backend (values; ±0 aside), and the reference within 1e-5", arguments: GatedActivationTests.ops)
    func matchesUnfused(_ op: UnaryOp) throws {
        let fused = Backends.with(CPUBackend.shared) { Self.run(op, fused: true) }
        let unfused = Backends.with(CPUBackend.shared) { Self.run(op, fused: false) }
        for (index, label) in ["output", "dHidden", "dGate"].enumerated() {
            #expect(fused[index].count == Self.count)
            #expect(fused[index] == unfused[index], "\(op) \(label)")
            #expect(fused[index].contains { $0 != 0 }, "\(op) \(label) is all zero")
        }
        let reference = try Backends.with(#require(Backends.named("reference"))) { Self.run(op, fused: true) }
        for (index, label) in ["output", "dHidden", "dGate"].enumerated() {
            let scale = fused[index].map(abs).max() ?? 1
            let worst = zip(fused[index], reference[index]).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-5 * scale, "\(op) \(label): reference differs by \(worst)")
        }
    }

    @Test("one tensor as hidden and gate: both gradients add into its buffer")
    func sameTensorInBothRoles() {
        let x = Tensor(shape: [Self.count], data: Self.values(4, scale: 3))
        let (_, fused) = GradientTape.valueAndGradient(at: [x]) { p in Tensor.gated(p[0], gate: p[0], activation: .gelu).sum() }
        let (_, unfused) = GradientTape.valueAndGradient(at: [x]) { p in (p[0] * p[0].gelu()).sum() }
        #expect(fused[0].scalars == unfused[0].scalars)
    }

    /// The kernels directly: every instruction set gives the baseline's bits, for gradients set over
    /// NaN and added to.
    @Test("every instruction set gives the baseline's bits, set or added", arguments: GatedActivationTests.ops)
    func instructionSetsAgree(_ op: UnaryOp) {
        let (h, x, g) = (Self.values(5, scale: 2), Self.values(6, scale: 9), Self.values(7, scale: 1.5))
        let start = Self.values(8, scale: 0.5)
        var results: [[[Float]]] = []
        for isa in VectorISA.available {
            var y = [Float](repeating: .nan, count: Self.count)
            var (setH, setX) = ([Float](repeating: .nan, count: Self.count), [Float](repeating: .nan, count: Self.count))
            var (addH, addX) = (start, start)
            CPUBackend.shared.gatedForward(op, hidden: h, gate: x, output: &y, count: Self.count, isa: isa)
            CPUBackend.shared.gatedBackward(op, hidden: h, gate: x, gradOutput: g, gradHidden: &setH, gradGate: &setX,
                                            count: Self.count, overwriteHidden: true, overwriteGate: true, isa: isa)
            CPUBackend.shared.gatedBackward(op, hidden: h, gate: x, gradOutput: g, gradHidden: &addH, gradGate: &addX,
                                            count: Self.count, overwriteHidden: false, overwriteGate: false, isa: isa)
            results.append([y, setH, setX, addH, addX])
            #expect(results.last!.allSatisfy { !$0.contains { $0.isNaN } }, "\(op) \(isa)")
        }
        for (isa, result) in zip(VectorISA.available, results).dropFirst() {
            for (index, label) in ["y", "set dH", "set dGate", "added dH", "added dGate"].enumerated() {
                #expect(result[index].map(\.bitPattern) == results[0][index].map(\.bitPattern), "\(op) \(isa) \(label)")
            }
        }
        // Added = start + set (one rounding each way).
        #expect(results[0][3] == zip(start, results[0][1]).map { $0 + $1 })
    }
}
