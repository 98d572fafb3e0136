import Foundation
import Testing
import TensorCore

/// `Backend.geluForward` keeps 1 + erf(x/√2) for `geluBackward` (what `Tensor.gelu()` records
/// under a tape): the same bits as `unaryForward(.gelu)` and `unaryBackward(.gelu)` in every
/// instruction set, without erf in the backward.
@Suite struct GeluSavingTests {
    @Test("geluForward and geluBackward (added and overwriting) give the bits of the unary GELU ops", arguments: VectorISA.available)
    func savedGeluHasTheUnaryBits(isa: VectorISA) {
        let x = VectorISATests.inputs
        let g = x.indices.map { Float(($0 % 7) - 3) * 0.25 }
        var (y0, y1, u) = ([Float](repeating: 0, count: x.count), [Float](repeating: 1, count: x.count), [Float](repeating: 0, count: x.count))
        CPUBackend.shared.unaryForward(.gelu, input: x, output: &y0, count: x.count, isa: isa)
        CPUBackend.shared.geluForward(input: x, output: &y1, onePlusErf: &u, count: x.count, isa: isa)
        let forward = VectorISATests.mismatches(y0, y1)
        #expect(forward.isEmpty, "gelu \(isa): \(forward.count) of \(x.count) differ, first at x = \(forward.first.map { x[$0.index] } ?? 0)")
        for overwriting in [false, true] {
            var gx0 = x.indices.map { overwriting ? Float.nan : Float($0 % 5) * 0.5 }
            var gx1 = gx0
            CPUBackend.shared.unaryBackward(.gelu, input: x, output: y0, gradOutput: g, gradInput: &gx0, count: x.count,
                                            overwriting: overwriting, isa: isa)
            CPUBackend.shared.geluBackward(input: x, onePlusErf: u, gradOutput: g, gradInput: &gx1, count: x.count,
                                           overwriting: overwriting, isa: isa)
            let backward = VectorISATests.mismatches(gx0, gx1)
            #expect(backward.isEmpty, "gelu′ \(isa) overwriting \(overwriting): \(backward.count) of \(x.count) differ, first at x = \(backward.first.map { x[$0.index] } ?? 0)")
        }
        // the saved value itself: 1 + erf(x/√2) at x = 0.37 (the last input, in a tail)
        let exact = 1 + Foundation.erf(0.37 / 2.0.squareRoot())
        #expect(abs(Double(u[x.count - 1]) - exact) <= 1e-6, "1 + erf(0.37/√2) = \(u[x.count - 1]), not \(exact)")
    }

    @Test func referenceBackendAgrees() {
        let x = (0..<1203).map { Float(-6 + 12 * Double($0) / 1202) }
        let g = x.indices.map { Float(($0 % 7) - 3) * 0.25 }
        var results: [(y: [Float], u: [Float], gx: [Float])] = []
        for backend in [CPUBackend.shared as any Backend, ReferenceBackend()] {
            var (y, u) = ([Float](repeating: 0, count: x.count), [Float](repeating: 0, count: x.count))
            var gx = x.indices.map { Float($0 % 5) * 0.5 }
            backend.geluForward(input: x, output: &y, onePlusErf: &u, count: x.count)
            backend.geluBackward(input: x, onePlusErf: u, gradOutput: g, gradInput: &gx, count: x.count, overwriting: false)
            results.append((y, u, gx))
        }
        #expect(relativeError(results[0].y, results[1].y) <= 1e-5)
        #expect(relativeError(results[0].u, results[1].u) <= 1e-5)
        #expect(relativeError(results[0].gx, results[1].gx) <= 1e-5)
    }
}
