import Foundation
import Testing
import TensorCore

/// Golden forward and backward against PyTorch, and finite-difference gradient checks, for every
/// differentiable op (DESIGN §8, tinygrad `helper_test_op`, llm.c `test_gpt2.c`).
@Suite struct OpGradientTests {
    static let fixture: SafetensorsFile? = try? SafetensorsFile(
        contentsOf: TestFiles.fixtures.appendingPathComponent("ops/ops.safetensors"))

    /// The cases of the fixture; none when it is missing, which `fixtureHoldsEveryCase` turns into a
    /// failure (a parameterised test with no arguments would pass silently).
    static func caseNames(finiteDifferencesOnly: Bool = false) -> [String] {
        guard let f = fixture, let cases = try? OpCases.all(f) else { return [] }
        return cases.filter { !finiteDifferencesOnly || $0.finiteDifferenceOK }.map(\.name)
    }

    @Test func fixtureHoldsEveryCase() throws {
        let f = try #require(Self.fixture, "Tests/Fixtures/ops/ops.safetensors is missing (scripts/make_fixtures.py ops)")
        let cases = try OpCases.all(f)
        #expect(cases.count == 42, "\(cases.count) op cases")
        #expect(Self.caseNames(finiteDifferencesOnly: true).count == cases.filter(\.finiteDifferenceOK).count)
        #expect(cases.filter(\.finiteDifferenceOK).count >= 35)
    }

    func load(_ name: String) throws -> (OpCase, inputs: [Tensor], out: Tensor, cot: Tensor, grads: [Tensor?]) {
        let f = try #require(Self.fixture)
        let op = try #require(try OpCases.all(f).first { $0.name == name })
        func tensor(_ key: String) throws -> Tensor {
            try Tensor(shape: f.info(key).shape, data: f.floats(key))
        }
        var inputs: [Tensor] = [], grads: [Tensor?] = []
        var i = 0
        while f.tensors["\(name).in\(i)"] != nil {
            inputs.append(try tensor("\(name).in\(i)"))
            grads.append(f.tensors["\(name).grad\(i)"] != nil ? try tensor("\(name).grad\(i)") : nil)
            i += 1
        }
        return (op, inputs, try tensor("\(name).out"), try tensor("\(name).cot"), grads)
    }

    /// max |a − b| / max(1, max |b|): relative to the reference's scale.
    func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let x = a.scalars, y = b.scalars
        let scale = max(1, y.map(abs).max() ?? 0)
        return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Every case on every backend (the op suite is the seam's contract, as tinygrad's).
    @Test(arguments: caseNames(), Backends.names)
    func matchesPyTorch(_ name: String, backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try matchesPyTorch(name) }
    }

    func matchesPyTorch(_ name: String) throws {
        let (op, inputs, expectedOut, cot, expectedGrads) = try load(name)
        let (_, grads) = GradientTape.valueAndGradient(at: inputs) { x in
            let y = op.run(x)
            #expect(y.shape == expectedOut.shape, "\(name) output shape")
            #expect(relativeError(y, expectedOut) <= 1e-4, "\(name) forward")
            return (y * cot).sum()
        }
        for (i, expected) in expectedGrads.enumerated() {
            guard let expected else { continue }
            #expect(relativeError(grads[i], expected) <= 1e-3, "\(name) gradient of input \(i)")
        }
    }

    /// Ops with kinks inside their inputs' range (clamp, max, l1) have no finite-difference check;
    /// their gradients are golden-tested against PyTorch above.
    @Test(arguments: caseNames(finiteDifferencesOnly: true), Backends.names)
    func gradientMatchesFiniteDifferences(_ name: String, backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try gradientMatchesFiniteDifferences(name) }
    }

    func gradientMatchesFiniteDifferences(_ name: String) throws {
        let (op, inputs, _, cot, expectedGrads) = try load(name)
        let (_, grads) = GradientTape.valueAndGradient(at: inputs) { (op.run($0) * cot).sum() }
        // Loss in Double so the difference quotient is not swamped by Float rounding.
        func loss(_ x: [Tensor]) -> Double {
            zip(op.run(x).scalars, cot.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let h: Float = 1e-2
        for (i, input) in inputs.enumerated() where expectedGrads[i] != nil {
            let base = input.scalars
            var numeric = [Float](repeating: 0, count: base.count)
            for j in base.indices {
                var plus = inputs, minus = inputs
                var p = base, m = base
                p[j] += h
                m[j] -= h
                plus[i] = Tensor(shape: input.shape, data: p)
                minus[i] = Tensor(shape: input.shape, data: m)
                numeric[j] = Float((loss(plus) - loss(minus)) / Double(2 * h))
            }
            let err = relativeError(grads[i], Tensor(shape: input.shape, data: numeric))
            #expect(err <= 2e-2, "\(name) input \(i): finite differences disagree by \(err)")
        }
    }
}
