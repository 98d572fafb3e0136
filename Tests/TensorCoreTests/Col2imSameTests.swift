import Testing
import TensorCore

/// `VectorISA.col2imSame`, the gathered col2im of a stride-1 "same" convolution's backward: each
/// input position sums its taps in registers. It must give the values of the scatter it replaces —
/// every tap's row added to dx in turn, in (kh, kw) order, the entries outside the image skipped —
/// for whole images and row tiles, padded row strides, and 1×1, 3×3 and 5×5 kernels.
@Suite struct Col2imSameTests {
    /// The scatter, in Float, tap after tap (the definition the CPU backend ran before).
    static func scatter(_ g: Conv2dGeometry, cols: [Float], ld: Int, rows: Range<Int>, dx: [Float]) -> [Float] {
        var dx = dx
        let (h, w) = (g.height, g.width)
        for c in 0..<g.inChannels {
            for a in 0..<g.kernelHeight {
                for b in 0..<g.kernelWidth {
                    let row = ((c * g.kernelHeight + a) * g.kernelWidth + b) * ld
                    for r in rows {
                        for q in 0..<w {
                            let (i, j) = (r - g.padH + a, q - g.padW + b)
                            guard i >= 0 && i < h && j >= 0 && j < w else { continue }
                            dx[(c * h + i) * w + j] += cols[row + (r - rows.lowerBound) * w + q]
                        }
                    }
                }
            }
        }
        return dx
    }

    static let cases: [(geometry: Conv2dGeometry, rows: Range<Int>?, extra: Int)] = [
        (Conv2dGeometry(batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 1, kernelSize: 3, padding: 1), nil, 0),
        (Conv2dGeometry(batch: 1, inChannels: 2, height: 4, width: 4, outChannels: 1, kernelSize: 3, padding: 1), nil, 7),
        (Conv2dGeometry(batch: 1, inChannels: 2, height: 2, width: 2, outChannels: 1, kernelSize: 3, padding: 1), nil, 0),
        (Conv2dGeometry(batch: 1, inChannels: 2, height: 7, width: 5, outChannels: 1, kernelSize: 3, padding: 1), 2..<5, 3),
        (Conv2dGeometry(batch: 1, inChannels: 2, height: 16, width: 16, outChannels: 1, kernelSize: 3, padding: 1), 0..<6, 0),
        (Conv2dGeometry(batch: 1, inChannels: 2, height: 16, width: 16, outChannels: 1, kernelSize: 3, padding: 1), 10..<16, 0),
        (Conv2dGeometry(batch: 1, inChannels: 2, height: 9, width: 11, outChannels: 1, kernelSize: 5, padding: 2), 1..<8, 0),
        (Conv2dGeometry(batch: 1, inChannels: 3, height: 6, width: 6, outChannels: 1, kernelSize: 1, padding: 0), nil, 0),
        (Conv2dGeometry(batch: 1, inChannels: 1, height: 1, width: 1, outChannels: 1, kernelSize: 3, padding: 1), nil, 0),
    ]

    @Test("the gathered col2im gives the scatter's values", .enabled(if: VectorISA.available.contains(.avx512), "no AVX-512"),
          arguments: 0..<cases.count)
    func matchesScatter(_ index: Int) {
        let (g, tile, extra) = Self.cases[index]
        #expect(VectorISA.convSameTakes(g))
        let rows = tile ?? 0..<g.height
        let ld = rows.count * g.width + extra
        let taps = g.kernelHeight * g.kernelWidth
        let cols = (0..<(g.inChannels * taps * ld)).map { Float(($0 * 37) % 101) * 0.013 - 0.6 }
        let start = (0..<(g.inChannels * g.height * g.width)).map { Float(($0 * 11) % 23) * 0.1 - 1 }
        let expected = Self.scatter(g, cols: cols, ld: ld, rows: rows, dx: start)
        var got = start
        let ran = cols.withUnsafeBufferPointer { c in
            got.withUnsafeMutableBufferPointer { VectorISA.avx512.col2imSame(g, cols: c.baseAddress!, ld: ld, rows: rows, image: $0.baseAddress!) }
        }
        #expect(ran)
        #expect(got == expected, "\(g) rows \(rows): \(zip(got, expected).filter { $0 != $1 }.count) differ")
        #expect(got != start)  // the tile added something
    }

    @Test("sets without the kernel say so and touch nothing")
    func otherSetsDecline() {
        let g = Self.cases[0].geometry
        var dx = [Float](repeating: 1, count: g.inChannels * 64)
        let cols = [Float](repeating: 2, count: g.inChannels * 9 * 64)
        for isa in VectorISA.available where isa != .avx512 {
            let ran = cols.withUnsafeBufferPointer { c in
                dx.withUnsafeMutableBufferPointer { isa.col2imSame(g, cols: c.baseAddress!, ld: 64, rows: 0..<8, image: $0.baseAddress!) }
            }
            #expect(!ran && dx.allSatisfy { $0 == 1 }, "\(isa)")
        }
    }
}
