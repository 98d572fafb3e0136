import Testing
import TensorCore

/// `Backend.linearParameterGradients`: dW (+)= dYᵀ·X and db += Σ_rows dY. The CPU backend sums db
/// from the dYᵀ its weight gradient packs (in the GEMM's blocks of k when k is cut); the protocol's
/// own version (the reference backend's) is `gemm` then `addColumnSums`.
@Suite struct LinearParameterGradientTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var rows: Int, inFeatures: Int, outFeatures: Int
        var testDescription: String { "dY \(rows)×\(outFeatures), X \(rows)×\(inFeatures)" }
    }

    static let cases: [Case] = [
        Case(rows: 5, inFeatures: 7, outFeatures: 3),        // one call
        Case(rows: 128, inFeatures: 40, outFeatures: 600),   // dW cut along its rows (out)
        Case(rows: 128, inFeatures: 600, outFeatures: 40),   // cut along its columns (in): one block sums
        Case(rows: 3000, inFeatures: 24, outFeatures: 32),   // cut along k (the rows of dY): block sums added in order
        Case(rows: 64, inFeatures: 16, outFeatures: 21),     // a partial panel of 16
    ]

    struct Result { var dw: [Float], db: [Float] }

    static func run(_ c: Case, backend: any Backend, accumulate: Bool, weight: Bool = true, bias: Bool = true) -> Result {
        let dy = KernelBuffer(random: c.rows * c.outFeatures, seed: 41)
        let x = KernelBuffer(random: c.rows * c.inFeatures, seed: 42)
        let dw = KernelBuffer(random: c.outFeatures * c.inFeatures, seed: 43)
        let db = KernelBuffer(random: c.outFeatures, seed: 44)
        backend.linearParameterGradients(gradOutput: dy.p, input: x.p, rows: c.rows, inFeatures: c.inFeatures,
                                         outFeatures: c.outFeatures, gradWeight: weight ? dw.pointer : nil,
                                         accumulateWeight: accumulate, gradBias: bias ? db.pointer : nil)
        return Result(dw: dw.array, db: db.array)
    }

    /// db = initial + Σ_rows dY in Double, and dW = (initial +) dYᵀ·X in Double.
    static func exact(_ c: Case, accumulate: Bool) -> Result {
        let dy = KernelBuffer(random: c.rows * c.outFeatures, seed: 41).array
        let x = KernelBuffer(random: c.rows * c.inFeatures, seed: 42).array
        let dw0 = KernelBuffer(random: c.outFeatures * c.inFeatures, seed: 43).array
        let db0 = KernelBuffer(random: c.outFeatures, seed: 44).array
        var dw = [Float](repeating: 0, count: dw0.count), db = [Float](repeating: 0, count: db0.count)
        for o in 0..<c.outFeatures {
            var sum = Double(db0[o])
            for r in 0..<c.rows { sum += Double(dy[r * c.outFeatures + o]) }
            db[o] = Float(sum)
            for i in 0..<c.inFeatures {
                var total = accumulate ? Double(dw0[o * c.inFeatures + i]) : 0
                for r in 0..<c.rows { total += Double(dy[r * c.outFeatures + o]) * Double(x[r * c.inFeatures + i]) }
                dw[o * c.inFeatures + i] = Float(total)
            }
        }
        return Result(dw: dw, db: db)
    }

    @Test(arguments: cases, [false, true])
    func bothBackendsMatchDouble(_ c: Case, accumulate: Bool) {
        let exact = Self.exact(c, accumulate: accumulate)
        for backend in [CPUBackend.shared as any Backend, ReferenceBackend()] {
            let result = Self.run(c, backend: backend, accumulate: accumulate)
            #expect(relativeError(result.dw, exact.dw) <= 1e-5, "dW on \(type(of: backend))")
            #expect(relativeError(result.db, exact.db) <= 1e-5, "db on \(type(of: backend))")
        }
    }

    @Test(arguments: cases)
    func eitherGradientAlone(_ c: Case) {
        let both = Self.run(c, backend: CPUBackend.shared, accumulate: true)
        let weightOnly = Self.run(c, backend: CPUBackend.shared, accumulate: true, bias: false)
        let biasOnly = Self.run(c, backend: CPUBackend.shared, accumulate: true, weight: false)
        let untouched = Self.run(c, backend: CPUBackend.shared, accumulate: true, weight: false, bias: false)
        #expect(bitIdentical(weightOnly.dw, both.dw))
        #expect(bitIdentical(weightOnly.db, untouched.db))
        #expect(bitIdentical(biasOnly.dw, untouched.dw))
        #expect(relativeError(biasOnly.db, both.db) <= 1e-5)
    }

    @Test func bitIdenticalForOneAndTwoThreads() {
        for c in Self.cases {
            let one = Parallel.$maxThreads.withValue(1) { Self.run(c, backend: CPUBackend.shared, accumulate: false) }
            let two = Parallel.$maxThreads.withValue(2) { Self.run(c, backend: CPUBackend.shared, accumulate: false) }
            #expect(bitIdentical(one.dw, two.dw), "\(c)")
            #expect(bitIdentical(one.db, two.db), "\(c)")
        }
    }
}
