import Foundation
import Testing
import TensorCore

/// The CPU backend against the reference backend (DESIGN §1's seam, issue 14's second backend):
/// the same computation, forward and gradients, run once on each through `Backends.with`, agrees
/// within the golden tolerances. The ops the PyTorch fixture does not cover (data movement,
/// reductions, selection, sin/cos, the optimizer's updates, random fills, host transfers) are here.
@Suite struct BackendAgreementTests {
    static let cpu: any Backend = CPUBackend.shared
    static let reference: any Backend = ReferenceBackend.shared

    /// max |a − b| / max(1, max |b|).
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "\(a.count) values against \(b.count)")
        let scale = max(1, b.map(abs).max() ?? 0)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Random inputs of `shapes` (seeded, the same on both backends), the output of `f` and the
    /// gradient of Σ f(x) ⊙ c (c random too) for every input, on `backend`.
    static func run(on backend: any Backend, _ shapes: [[Int]], _ f: @escaping ([Tensor]) -> Tensor) -> (out: [Float], grads: [[Float]]) {
        Backends.with(backend) {
            var g = Philox(seed: 7)
            let inputs = shapes.map { Tensor.normal(shape: $0, generator: &g) }
            var out: [Float] = []
            let (_, grads) = GradientTape.valueAndGradient(at: inputs) { x in
                let y = f(x)
                out = y.scalars
                let c = Tensor.normal(shape: y.shape, generator: &g)
                return (y * c).sum()
            }
            return (out, grads.map(\.scalars))
        }
    }

    /// Runs `f` on both backends and expects the outputs within `tolerance` and the gradients
    /// within 10× that; returns both outputs.
    @discardableResult
    static func expectAgreement(_ name: String, _ shapes: [[Int]], tolerance: Float = 1e-5,
                                _ f: @escaping ([Tensor]) -> Tensor) -> (cpu: [Float], reference: [Float]) {
        let a = run(on: cpu, shapes, f), b = run(on: reference, shapes, f)
        #expect(!a.out.isEmpty && a.out.count == b.out.count, "\(name): \(a.out.count) outputs against \(b.out.count)")
        #expect(relativeError(a.out, b.out) <= tolerance, "\(name) forward: \(relativeError(a.out, b.out))")
        for (i, (ga, gb)) in zip(a.grads, b.grads).enumerated() {
            #expect(relativeError(ga, gb) <= 10 * tolerance, "\(name) gradient of input \(i): \(relativeError(ga, gb))")
        }
        return (a.out, b.out)
    }

    @Test func theReferenceBackendIsTheOneThatRuns() {
        // Its GEMM sums in Double, OpenBLAS in Float: a long product cannot come out bit-identical
        // unless the same kernel ran twice.
        let (a, b) = Self.expectAgreement("matmul", [[16, 512], [512, 24]], tolerance: 1e-5) { $0[0].matmul($0[1]) }
        #expect(a != b, "the reference backend gave the CPU backend's bits: it did not run")
        #expect(Backends.with(Self.reference) { Backends.current.name } == "reference")
        #expect(Backends.named("cuda") == nil)
    }

    @Test func matrixProductsAndLayers() {
        Self.expectAgreement("batched matmul", [[3, 5, 7], [3, 7, 4]]) { $0[0].matmul($0[1]) }
        Self.expectAgreement("linear, row-blocked per item", [[2, 5, 8], [6, 8], [6]]) { $0[0].linear(weight: $0[1], bias: $0[2]) }
        Self.expectAgreement("conv, group norm, SiLU, upsample", [[2, 4, 6, 6], [8, 4, 3, 3], [8], [8], [8]]) { x in
            x[0].conv2d(weight: x[1], bias: x[2], padding: 1).groupNorm(groups: 2, gamma: x[3], beta: x[4]).silu().upsampleNearest2x()
        }
        Self.expectAgreement("layer norm, GELU, softmax", [[3, 4, 10], [10], [10]]) { x in
            x[0].layerNorm(gamma: x[1], beta: x[2]).gelu().softmax()
        }
        Self.expectAgreement("masked attention", [[2, 2, 5, 4], [2, 2, 6, 4], [2, 2, 6, 4]]) { x in
            Tensor.scaledDotProductAttention(query: x[0], key: x[1], value: x[2], mask: AttentionMask(keyLengths: [6, 3]))
        }
    }

    @Test func dataMovementReductionsAndSelection() {
        Self.expectAgreement("concatenate and split", [[2, 3, 4], [2, 1, 4]]) { x in
            let joined = Tensor.concatenate([x[0], x[1]], axis: 1)
            let parts = joined.split(sizes: [1, 3], axis: 1)
            return parts[1] * 2 + parts[0]
        }
        Self.expectAgreement("gather rows, repeated", [[5, 3]]) { $0[0].gatherRows([4, 0, 4, 2]) }
        Self.expectAgreement("embedding", [[6, 4]]) { Tensor.embedding($0[0], ids: [1, 5, 1, 0]) }
        Self.expectAgreement("slice", [[5, 3]]) { $0[0].slice(rows: 1..<4).exp() }
        Self.expectAgreement("sum and mean over axes", [[3, 4, 5]]) { x in
            x[0].sum(axis: 1) + x[0].mean(axes: [1], keepDims: false)
        }
        Self.expectAgreement("max over an axis", [[3, 4, 5]]) { $0[0].max(axis: 2) }
        Self.expectAgreement("where", [[4, 5], [4, 5], [5]]) { x in
            Tensor.where(x[0].clamped(min: 0, max: 1e-3) * 1000, x[1], x[2])
        }
        Self.expectAgreement("permute and broadcast", [[2, 3, 4], [4]]) { x in
            x[0].permuted([2, 0, 1]) * x[1].reshaped([4, 1, 1]).broadcasted(to: [4, 2, 3])
        }
        Self.expectAgreement("sin and cos of large angles", [[40]]) { x in (x[0] * 300).sin() + (x[0] * 300).cos() }
    }

    @Test func sinAndCosAreFoundationsAndDifferentiate() {
        for backend in [Self.cpu, Self.reference] {
            Backends.with(backend) {
                let x: [Float] = [-2, 0, 0.5, 3, 700]
                let (_, grads) = GradientTape.valueAndGradient(at: [Tensor(shape: [5], data: x)]) { ($0[0].sin() * 2 + $0[0].cos()).sum() }
                let expected = x.map { Foundation.sin($0) * 2 + Foundation.cos($0) }
                #expect(Self.relativeError((Tensor(shape: [5], data: x).sin() * 2 + Tensor(shape: [5], data: x).cos()).scalars, expected) <= 1e-6)
                let derivative = x.map { 2 * Foundation.cos($0) - Foundation.sin($0) }
                #expect(Self.relativeError(grads[0].scalars, derivative) <= 1e-6, "\(backend.name)")
            }
        }
    }

    @Test func optimizerUpdatesAgree() {
        func updates(on backend: any Backend) -> [[Float]] {
            Backends.with(backend) {
                var g = Philox(seed: 3)
                let n = 1000
                let (p, grad, m, v, ema) = (FlatBuffer(count: n), FlatBuffer(count: n), FlatBuffer(count: n), FlatBuffer(count: n), FlatBuffer(count: n))
                p.write(Tensor.normal(shape: [n], generator: &g), at: 0)
                grad.write(Tensor.normal(shape: [n], generator: &g), at: 0)
                ema.copy(from: p)
                let step = AdamWStep(stepSize: 1e-2, decay: 0.999, beta1: 0.9, beta2: 0.999, biasCorrection2Sqrt: 0.0447, eps: 1e-8)
                for _ in 0..<3 {
                    p.adamWUpdate(step, gradients: grad, firstMoment: m, secondMoment: v)
                    ema.moveAverage(toward: p, decay: 0.9)
                    grad.scale(by: 0.5)
                    grad.add(m)
                }
                p.clamp(10..<20, min: -0.1, max: 0.1)
                let norm = Float(grad.sumOfSquares())
                return [p.tensor(offset: 0, shape: [n]).scalars, m.tensor(offset: 0, shape: [n]).scalars,
                        v.tensor(offset: 0, shape: [n]).scalars, ema.tensor(offset: 0, shape: [n]).scalars, [norm]]
            }
        }
        let a = updates(on: Self.cpu), b = updates(on: Self.reference)
        for (i, name) in ["parameters", "first moment", "second moment", "EMA", "Σ g²"].enumerated() {
            #expect(Self.relativeError(a[i], b[i]) <= 1e-5, "\(name): \(Self.relativeError(a[i], b[i]))")
        }
        #expect(a[0][10..<20].allSatisfy { abs($0) <= 0.1 } && b[0][10..<20].allSatisfy { abs($0) <= 0.1 }, "clamped range")
    }

    @Test func randomFillsAreTheSameBitsOnEveryBackend() {
        func draws(on backend: any Backend) -> [[Float]] {
            Backends.with(backend) {
                var g = Philox(seed: 11, stream: 2)
                var rows = [Philox(seed: 1), Philox(seed: 2)]
                let x = Tensor(repeating: 1, shape: [100])
                return [Tensor.normal(shape: [33], mean: 1, std: 2, generator: &g).scalars,
                        Tensor.uniform(shape: [17], bound: 0.5, generator: &g).scalars,
                        Tensor.normal(shape: [2, 9], generators: &rows).scalars,
                        x.dropout(0.3, generator: &g).scalars]
            }
        }
        #expect(draws(on: Self.cpu) == draws(on: Self.reference))
    }

    @Test func hostTransfersGoThroughTheBackend() {
        // The reference backend's memory is private: writes and reads of the host accessors are
        // copies, so a write must be uploaded and a shared storage copied before it is written.
        Backends.with(Self.reference) {
            let a = Tensor(shape: [4], data: [1, 2, 3, 4])
            var b = a
            b.withUnsafeMutableBufferPointer { $0[2] = 30 }
            #expect(a.scalars == [1, 2, 3, 4])
            #expect(b.scalars == [1, 2, 30, 4])
            #expect(b.slice(rows: 2..<3).item == 30)
            let c = Tensor(shape: [3]) { $0[0] = .nan; $0[1] = 1; $0[2] = -.infinity }
            #expect(c.nonFiniteCount == 2)
            let buffer = FlatBuffer(count: 6)
            buffer.write(Tensor(shape: [2], data: [5, 6]), at: 3)
            #expect(buffer.tensor(offset: 2, shape: [3]).scalars == [0, 5, 6])
        }
    }
}
