import Foundation
import Testing
import TensorCore

@Suite struct TensorTests {
    @Test func reshapeAndRowSliceAreViewsWithValueSemantics() {
        let t = Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5])
        #expect(t.reshaped([3, -1]).shape == [3, 2])
        var row = t.slice(rows: 1..<2)
        #expect(row.shape == [1, 3] && row.scalars == [3, 4, 5])
        row.withUnsafeMutableBufferPointer { $0[0] = 99 }   // copy on write: `t` is untouched
        #expect(row.scalars == [99, 4, 5])
        #expect(t.scalars == [0, 1, 2, 3, 4, 5])
    }

    @Test func shapeOps() {
        let t = Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5])
        #expect(t.transposed().scalars == [0, 3, 1, 4, 2, 5])
        #expect(Tensor(shape: [3], data: [1, 2, 3]).broadcasted(to: [2, 3]).scalars == [1, 2, 3, 1, 2, 3])
        let parts = t.chunked(3, axis: 1)
        #expect(parts.map(\.scalars) == [[0, 3], [1, 4], [2, 5]])
        #expect(Tensor.concatenate(parts, axis: 1).scalars == t.scalars)
        #expect(t.split(sizes: [1, 1], axis: 0).map(\.scalars) == [[0, 1, 2], [3, 4, 5]])
    }

    @Test func safetensorsConversionRoundTrips() throws {
        let t = Tensor(shape: [2, 2], data: [1, -2, 0.5, 3])
        var w = SafetensorsWriter()
        try w.add("t", t)
        try w.add("h", t, as: .f16)
        let f = try SafetensorsFile(bytes: w.serialized(), name: "mem")
        #expect(try Tensor(f, "t").scalars == t.scalars)
        #expect(try Tensor(f, "h").shape == [2, 2])
        #expect(try Tensor(f, "h").scalars == t.scalars)
    }
}

@Suite struct AutodiffTests {
    @Test func inferenceRecordsNothing() {
        let x = Tensor(shape: [3], data: [1, 2, 3])
        let y = (x * x).exp().sum()
        #expect(!y.isTracked)
    }

    @Test func gradientsAccumulateAcrossCalls() {
        let x = Tensor(shape: [3], data: [1, 2, 3])
        let grad = FlatBuffer(count: 5)
        for _ in 0..<2 {
            let v = GradientTape.valueAndGradient(at: [x], accumulatingInto: [(grad, 1)]) { ($0[0] * $0[0]).sum() }
            #expect(v.item == 14)
            #expect(!v.isTracked)
        }
        // 2 × d(Σx²)/dx, at offset 1; the floats either side untouched.
        #expect(grad.tensor(offset: 0, shape: [5]).scalars == [0, 4, 8, 12, 0])
    }

    @Test func valueUsedTwiceSumsBothPaths() {
        // f(x) = x·x + x → f' = 2x + 1; exercises a node with two consumers.
        let (v, g) = GradientTape.valueAndGradient(at: [Tensor(scalar: 3)]) { x in x[0] * x[0] + x[0] }
        #expect(v.item == 12)
        #expect(g[0].item == 7)
    }

    @Test func sliceRoutesGradientToItsRows() {
        let x = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])
        let (_, g) = GradientTape.valueAndGradient(at: [x]) { $0[0].slice(rows: 1..<3).sum() * 2 }
        #expect(g[0].scalars == [0, 0, 2, 2, 2, 2])
    }

    @Test func gatherRowsCopiesRowsInOrderAndSumsTheGradientOfARepeatedRow() {
        let x = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])
        #expect(x.gatherRows([2, 0, 2]).shape == [3, 2])
        #expect(x.gatherRows([2, 0, 2]).scalars == [5, 6, 1, 2, 5, 6])
        #expect(x.gatherRows([]).shape == [0, 2])
        // Rows of a 4-d table (a latent cache): whole (C, h, w) rows move.
        let table = Tensor(shape: [4, 2, 1, 2], data: (0..<16).map(Float.init))
        #expect(table.gatherRows([3, 1]).scalars == [12, 13, 14, 15, 4, 5, 6, 7])
        let weights = Tensor(shape: [3, 2], data: [1, 10, 100, 1000, 1e4, 1e5])
        let (_, g) = GradientTape.valueAndGradient(at: [x]) { ($0[0].gatherRows([2, 0, 2]) * weights).sum() }
        // Row 2 collects rows 0 and 2 of the output's gradient, row 0 row 1's, row 1 nothing.
        let expected: [Float] = [100, 1000, 0, 0, 10_001, 100_010]
        #expect(g[0].scalars == expected)
    }

    @Test func dropoutIsSeededScaledAndRoutesGradientThroughTheMask() {
        let x = Tensor(repeating: 1, shape: [10_000])
        var g1 = Philox(seed: 5), g2 = Philox(seed: 5)
        let a = x.dropout(0.25, generator: &g1), b = x.dropout(0.25, generator: &g2)
        #expect(a.scalars == b.scalars)
        #expect(a.scalars.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3.0) < 1e-6 })
        let kept = Float(a.scalars.filter { $0 != 0 }.count) / 10_000
        #expect(abs(kept - 0.75) < 0.02)
        var g3 = Philox(seed: 5)
        let (_, grad) = GradientTape.valueAndGradient(at: [x]) { $0[0].dropout(0.25, generator: &g3).sum() }
        #expect(grad[0].scalars == a.scalars)   // d(Σ mask·x)/dx = mask
    }
}
