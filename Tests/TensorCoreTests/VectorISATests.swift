import Foundation
import Testing
import TensorCore

/// The CPU backend's exp-based loops run in AVX2 where the CPU has it and in Swift SIMD8 elsewhere
/// (`VectorISA`); both must give the same bits, so a result never depends on the CPU it ran on.
@Suite struct VectorISATests {
    /// Inputs: a dense grid over [−100, 100] (both exp cut-offs, both tails of every activation),
    /// special values, 200 000 random bit patterns (subnormals, huge values, NaNs), and a count
    /// that leaves a tail of 5 after the last full vector.
    static let inputs: [Float] = {
        var xs = (0..<400_001).map { Float(-100 + 200 * Double($0) / 400_000) }
        xs += [0, -0, .infinity, -.infinity, .nan, -.nan, 88.72283, 88.72284, -87.33654, -87.33655,
               .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var state: UInt32 = 2_463_534_242
        for _ in 0..<200_000 {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            xs.append(Float(bitPattern: state))
        }
        while xs.count % 8 != 5 { xs.append(0.37) }
        return xs
    }()

    /// The same bits, or NaN in both (NaN payloads may differ).
    static func mismatches(_ a: [Float], _ b: [Float]) -> [(index: Int, a: Float, b: Float)] {
        zip(a, b).enumerated().compactMap { i, pair in
            pair.0.bitPattern == pair.1.bitPattern || (pair.0.isNaN && pair.1.isNaN) ? nil : (i, pair.0, pair.1)
        }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    /// Each function, with a Double reference to show the kernel ran.
    static let functions: [(name: String, op: UnaryOp, exact: @Sendable (Double) -> Double)] = [
        ("exp", .exp, { Foundation.exp($0) }),
        ("sigmoid", .sigmoid, { sigmoid($0) }),
        ("silu", .silu, { $0 * sigmoid($0) }),
        ("gelu", .gelu, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }),
        ("quickGelu", .quickGelu, { $0 * sigmoid(1.702 * $0) }),
    ]

    @Test("the available sets are what the CPU reports")
    func availableMatchesTheCPU() throws {
        #expect(VectorISA.available.first == .baseline)
        #expect(VectorISA.available.contains(VectorISA.active))
        #if os(Linux)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }
        let flagList = try #require(flags, "/proc/cpuinfo has no flags line").split(separator: " ")
        #expect(VectorISA.available.contains(.avx2) == flagList.contains("avx2"))
        #expect(VectorISA.available.contains(.avx512) == flagList.contains("avx512f"))
        #expect(VectorISA.active == VectorISA.available.last || ProcessInfo.processInfo.environment["T2I_VECTOR_ISA"] != nil)
        #endif
    }

    /// The sets besides Swift's that this CPU runs; each must agree with Swift.
    static let vectorSets = Array(VectorISA.available.dropFirst())

    @Test("AVX2, AVX-512 and Swift SIMD give the same bits: exp, sigmoid, SiLU, GELU, QuickGELU",
          .enabled(if: !VectorISATests.vectorSets.isEmpty, "this CPU has no AVX2"),
          arguments: VectorISATests.functions.map(\.name), VectorISATests.vectorSets)
    func forwardAgrees(name: String, isa vectorSet: VectorISA) {
        let function = Self.functions.first { $0.name == name }!
        let op = function.op
        let x = Self.inputs
        var results: [[Float]] = []
        for isa in [VectorISA.baseline, vectorSet] {
            var y = [Float](repeating: -1, count: x.count)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    CPUBackend.shared.unaryForward(op, input: xp.baseAddress!, output: yp.baseAddress!, count: x.count, isa: isa)
                }
            }
            results.append(y)
        }
        let bad = Self.mismatches(results[0], results[1])
        let differing = bad.count
        #expect(differing == 0, "\(name) \(vectorSet): \(bad.count) of \(x.count) differ, first at x = \(bad.first.map { x[$0.index] } ?? 0): \(bad.first.map { "\($0.a) vs \($0.b)" } ?? "")")
        // The function ran: the last input, 0.37 in the tail, gives its value.
        let exact = function.exact(0.37)
        #expect(abs(Double(results[1][x.count - 1]) - exact) <= 1e-5 * abs(exact), "\(name)(0.37) = \(results[1][x.count - 1]), not \(exact)")
    }

    @Test("AVX2, AVX-512 and Swift SIMD give the same bits: the derivatives of SiLU, GELU and QuickGELU, accumulated",
          .enabled(if: !VectorISATests.vectorSets.isEmpty, "this CPU has no AVX2"),
          arguments: ["silu", "gelu", "quickGelu"], VectorISATests.vectorSets)
    func backwardAgrees(name: String, isa vectorSet: VectorISA) {
        let function = Self.functions.first { $0.name == name }!
        let op = function.op
        let x = Self.inputs
        var g = x.indices.map { Float(($0 % 7) - 3) * 0.25 }
        g[x.count - 1] = 1
        var results: [[Float]] = []
        for isa in [VectorISA.baseline, vectorSet] {
            var y = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    CPUBackend.shared.unaryForward(op, input: xp.baseAddress!, output: yp.baseAddress!, count: x.count, isa: .baseline)
                }
            }
            var gx = x.indices.map { Float($0 % 5) * 0.5 }  // accumulated into, not overwritten
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    g.withUnsafeBufferPointer { gp in
                        gx.withUnsafeMutableBufferPointer { gxp in
                            CPUBackend.shared.unaryBackward(op, input: xp.baseAddress!, output: yp.baseAddress!, gradOutput: gp.baseAddress!,
                                                            gradInput: gxp.baseAddress!, count: x.count, isa: isa)
                        }
                    }
                }
            }
            results.append(gx)
        }
        let bad = Self.mismatches(results[0], results[1])
        let differing = bad.count
        #expect(differing == 0, "\(name)′ \(vectorSet): \(bad.count) of \(x.count) differ, first at x = \(bad.first.map { x[$0.index] } ?? 0): \(bad.first.map { "\($0.a) vs \($0.b)" } ?? "")")
        // f′(0.37) added to what was there (the last input, in the tail, with g = 1).
        let h = 1e-5
        let derivative = (function.exact(0.37 + h) - function.exact(0.37 - h)) / (2 * h)
        let expected = Double((x.count - 1) % 5) * 0.5 + derivative
        #expect(abs(Double(results[1][x.count - 1]) - expected) <= 1e-5, "\(name)′: \(results[1][x.count - 1]), not \(expected)")
    }

    /// Equal, or both NaN (the inputs include ±∞ and NaN); == because 0 + (−0) is +0.
    static func sameValue(_ a: Float, _ b: Float) -> Bool { a == b || (a.isNaN && b.isNaN) }

    @Test("overwriting sets g·f′ without reading the gradient (NaN there): the values of adding into zeros, in every set and op path",
          arguments: ["silu", "gelu", "quickGelu"])
    func backwardOverwrites(name: String) throws {
        let op = Self.functions.first { $0.name == name }!.op
        let x = Self.inputs
        let g = x.indices.map { Float(($0 % 7) - 3) * 0.25 }
        var y = [Float](repeating: 0, count: x.count)
        CPUBackend.shared.unaryForward(op, input: x, output: &y, count: x.count, isa: .baseline)
        // A scalar-derivative op (sigmoid, which reads the forward's output) takes the zero-then-add path of the same switch.
        var sigmoid = [Float](repeating: 0, count: x.count)
        CPUBackend.shared.unaryForward(.sigmoid, input: x, output: &sigmoid, count: x.count, isa: .baseline)
        for (op, label, sy) in [(op, name, y), (UnaryOp.sigmoid, "sigmoid", sigmoid)] {
            for isa in VectorISA.available {
                var added = [Float](repeating: 0, count: x.count), set = [Float](repeating: .nan, count: x.count)
                CPUBackend.shared.unaryBackward(op, input: x, output: sy, gradOutput: g, gradInput: &added, count: x.count, isa: isa)
                CPUBackend.shared.unaryBackward(op, input: x, output: sy, gradOutput: g, gradInput: &set, count: x.count,
                                                overwriting: true, isa: isa)
                let differing = zip(added, set).filter { !Self.sameValue($0, $1) }.count
                #expect(differing == 0, "\(label)′ \(isa): \(differing) of \(x.count) differ from adding into zeros")
            }
        }
        for backendName in Backends.names {
            let backend = try #require(Backends.named(backendName))
            var added = [Float](repeating: 0, count: x.count), set = [Float](repeating: .nan, count: x.count)
            backend.unaryBackward(op, input: x, output: y, gradOutput: g, gradInput: &added, count: x.count)
            backend.unaryBackward(op, input: x, output: y, gradOutput: g, gradInput: &set, count: x.count, overwriting: true)
            #expect(zip(added, set).allSatisfy { Self.sameValue($0, $1) }, "\(name)′ on the \(backendName) backend")
        }
    }

    @Test("AVX2, AVX-512 and Swift SIMD give the same bits: softmax rows of every length up to 80, masked rows included",
          .enabled(if: !VectorISATests.vectorSets.isEmpty, "this CPU has no AVX2"),
          arguments: VectorISATests.vectorSets)
    func softmaxAgrees(isa vectorSet: VectorISA) {
        var state: UInt32 = 12345
        func next() -> Float {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int(state >> 8) % 4001 - 2000) / 50
        }
        for cols in 1...80 {
            let rows = 9
            var x = (0..<(rows * cols)).map { _ in next() }
            for j in 0..<cols { x[j] = -.infinity }                 // a fully masked row
            if cols > 1 { x[cols] = -.infinity }                    // a partly masked one
            var results: [[Float]] = []
            for isa in [VectorISA.baseline, vectorSet] {
                var y = [Float](repeating: -1, count: x.count)
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        CPUBackend.shared.softmaxForward(input: xp.baseAddress!, output: yp.baseAddress!, rows: rows, cols: cols, isa: isa)
                    }
                }
                results.append(y)
            }
            let differing = Self.mismatches(results[0], results[1]).count
            #expect(differing == 0, "\(vectorSet) softmax rows of \(cols)")
            // Each unmasked row sums to 1.
            let rowSum = results[1][(rows - 1) * cols..<(rows * cols)].reduce(0, +)
            #expect(abs(rowSum - 1) < 1e-5, "softmax rows of \(cols): last row sums to \(rowSum)")
        }
    }
}

/// The packed GEMM of the convolution forward (`VectorISA.gemmPacked`): every set gives the same
/// bits, the bits of a column do not depend on n or on where the column stands, and the values are
/// the product.
@Suite struct PackedGEMMTests {
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        return (0..<count).map { _ in g.nextFloat() }
    }

    /// C (m × n) = A·B through `isa`, A packed from row-major (or transposed) storage.
    static func product(_ isa: VectorISA, a: [Float], transposed: Bool, m: Int, k: Int, b: [Float], ldb: Int, n: Int) -> [Float] {
        var packed = [Float](repeating: .nan, count: VectorISA.packedCount(m: m, k: k))
        var c = [Float](repeating: .nan, count: m * n)
        packed.withUnsafeMutableBufferPointer { p in
            VectorISA.pack(a, lda: transposed ? m : k, transposed: transposed, m: m, k: k, into: p.baseAddress!)
            c.withUnsafeMutableBufferPointer { cp in
                isa.gemmPacked(p.baseAddress!, m: m, k: k, b: b, ldb: ldb, n: n, c: cp.baseAddress!, ldc: n)
            }
        }
        return c
    }

    @Test("every set gives the same bits as plain C, and the product within 1e-5 of Double, tails of 16 and 32 included",
          arguments: [(1, 1, 1), (15, 17, 7), (16, 16, 300), (17, 33, 64), (33, 70, 129), (40, 64, 576), (8, 31, 0)])
    func setsAgree(_ size: (m: Int, n: Int, k: Int)) {
        let (m, n, k) = size
        for transposed in [false, true] {
            let a = Self.random(m * k, seed: 1), b = Self.random(k * n, seed: 2)
            let plain = Self.product(.baseline, a: a, transposed: transposed, m: m, k: k, b: b, ldb: n, n: n)
            for i in 0..<m {
                for j in 0..<n {
                    let exact = (0..<k).reduce(0.0) { $0 + Double(transposed ? a[$1 * m + i] : a[i * k + $1]) * Double(b[$1 * n + j]) }
                    #expect(abs(Double(plain[i * n + j]) - exact) <= 1e-5 * Double(max(k, 1)), "C[\(i)][\(j)], m \(m) n \(n) k \(k)")
                }
            }
            for isa in VectorISA.available where isa != .baseline {
                let fast = Self.product(isa, a: a, transposed: transposed, m: m, k: k, b: b, ldb: n, n: n)
                #expect(fast.map(\.bitPattern) == plain.map(\.bitPattern), "\(isa) m \(m) n \(n) k \(k) transposed \(transposed)")
            }
        }
    }

    @Test("gemmRows (A read in place on AVX-512) gives pack + gemmPacked's bits: overwritten, accumulated, with a bias",
          arguments: [(1, 1, 1), (7, 33, 5), (8, 32, 64), (13, 47, 77), (64, 128, 128), (61, 20, 9), (9, 65, 0),
                      (9, 150, 900), (5, 65, 2100)])  // the last two: B in several panels (64 and 32 columns)
    func rowsEqualPacked(_ size: (m: Int, n: Int, k: Int)) {
        let (m, n, k) = size
        let (lda, ldb, ldc) = (k + 3, n + 5, n + 2)  // strides past the rows: nothing there may be read or written
        let a = Self.random(m * lda, seed: 40), b = Self.random(k * ldb, seed: 41), bias = Self.random(n, seed: 42)
        let initial = Self.random(m * ldc, seed: 43)
        for isa in VectorISA.available {
            for mode in 0..<3 {  // 0: C = A·B, 1: C += A·B, 2: C = bias + A·B
                var expected = initial, rows = initial
                var packed = [Float](repeating: .nan, count: VectorISA.packedCount(m: m, k: k))
                packed.withUnsafeMutableBufferPointer { p in
                    VectorISA.pack(a, lda: lda, m: m, k: k, into: p.baseAddress!)
                    isa.gemmPacked(p.baseAddress!, m: m, k: k, b: b, ldb: ldb, n: n, c: &expected, ldc: ldc,
                                   accumulate: mode == 1, bias: mode == 2 ? bias : nil)
                }
                isa.gemmRows(a, lda: lda, m: m, k: k, b: b, ldb: ldb, n: n, c: &rows, ldc: ldc,
                             accumulate: mode == 1, bias: mode == 2 ? bias : nil)
                #expect(rows.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa) m \(m) n \(n) k \(k) mode \(mode)")
                // and the values themselves: the product within 1e-5·k of Double, C's padding untouched
                for i in 0..<m {
                    for j in 0..<n {
                        let dot = (0..<k).reduce(0.0) { $0 + Double(a[i * lda + $1]) * Double(b[$1 * ldb + j]) }
                        let start = mode == 1 ? Double(initial[i * ldc + j]) : mode == 2 ? Double(bias[j]) : 0
                        #expect(abs(Double(rows[i * ldc + j]) - (start + dot)) <= 1e-5 * Double(max(k, 1)) + 1e-6,
                                "\(isa) C[\(i)][\(j)] mode \(mode)")
                    }
                    for j in n..<ldc { #expect(rows[i * ldc + j].bitPattern == initial[i * ldc + j].bitPattern, "\(isa) padding") }
                }
            }
        }
    }

    @Test("a column's bits do not depend on n or on the column's place in B")
    func columnsAreIndependent() {
        let (m, k, n) = (24, 100, 70)
        let a = Self.random(m * k, seed: 3), b = Self.random(k * n, seed: 4)
        for isa in VectorISA.available {
            let full = Self.product(isa, a: a, transposed: false, m: m, k: k, b: b, ldb: n, n: n)
            for (start, width) in [(0, 1), (5, 3), (16, 16), (33, 37), (64, 6)] {
                // B's columns start..<start+width alone, as a narrower matrix.
                let part = (0..<k).flatMap { p in b[(p * n + start)..<(p * n + start + width)] }
                let narrow = Self.product(isa, a: a, transposed: false, m: m, k: k, b: part, ldb: width, n: width)
                let expected = (0..<m).flatMap { i in full[(i * n + start)..<(i * n + start + width)] }
                #expect(narrow.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa) columns \(start)..<\(start + width)")
            }
        }
    }
}

/// The convolution forward without im2col (`VectorISA.convSame`): in every set, the bits of
/// im2col's columns multiplied by `gemmPacked`, borders, partial tiles and position ranges included.
@Suite struct ConvSameTests {
    static let geometries: [Conv2dGeometry] = [
        Conv2dGeometry(batch: 1, inChannels: 5, height: 4, width: 4, outChannels: 20, kernelSize: 3, padding: 1),
        Conv2dGeometry(batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 9, kernelSize: 3, padding: 1),
        Conv2dGeometry(batch: 1, inChannels: 2, height: 5, width: 7, outChannels: 17, kernelSize: 3, padding: 1),
        Conv2dGeometry(batch: 1, inChannels: 2, height: 6, width: 6, outChannels: 3, kernelSize: 5, padding: 2),
        Conv2dGeometry(batch: 1, inChannels: 2, height: 3, width: 1, outChannels: 4, kernelSize: 3, padding: 1),
        Conv2dGeometry(batch: 1, inChannels: 3, height: 6, width: 5, outChannels: 2, kernelHeight: 1, kernelWidth: 3,
                       padH: 0, padW: 1),
        Conv2dGeometry(batch: 1, inChannels: 4, height: 12, width: 11, outChannels: 33, kernelSize: 3, padding: 1),
    ]

    @Test("every set gives im2col + gemmPacked's bits", arguments: geometries)
    func matchesIm2colAndGEMM(_ g: Conv2dGeometry) {
        #expect(VectorISA.convSameTakes(g))
        let (h, w, hw, kdim) = (g.height, g.width, g.height * g.width, g.inChannels * g.kernelHeight * g.kernelWidth)
        let x = PackedGEMMTests.random(g.inChannels * hw, seed: 5)
        let weight = PackedGEMMTests.random(g.outChannels * kdim, seed: 6)
        var packed = [Float](repeating: .nan, count: VectorISA.packedCount(m: g.outChannels, k: kdim))
        packed.withUnsafeMutableBufferPointer { VectorISA.pack(weight, lda: kdim, m: g.outChannels, k: kdim, into: $0.baseAddress!) }
        for positions in [0..<hw, 1..<(hw - 1), (hw / 3)..<hw] where !positions.isEmpty {
            // im2col's columns for these positions: row (c, i, j), column q − first.
            var cols = [Float](repeating: 0, count: kdim * positions.count)
            for c in 0..<g.inChannels {
                for i in 0..<g.kernelHeight {
                    for j in 0..<g.kernelWidth {
                        let row = (c * g.kernelHeight + i) * g.kernelWidth + j
                        for q in positions {
                            let (ih, iw) = (q / w + i - g.padH, q % w + j - g.padW)
                            if ih >= 0 && ih < h && iw >= 0 && iw < w {
                                cols[row * positions.count + q - positions.lowerBound] = x[c * hw + ih * w + iw]
                            }
                        }
                    }
                }
            }
            var expected = [Float](repeating: .nan, count: g.outChannels * positions.count)
            packed.withUnsafeBufferPointer { p in
                expected.withUnsafeMutableBufferPointer { e in
                    VectorISA.baseline.gemmPacked(p.baseAddress!, m: g.outChannels, k: kdim, b: cols, ldb: positions.count,
                                                  n: positions.count, c: e.baseAddress!, ldc: positions.count)
                }
            }
            for isa in VectorISA.available {
                var y = [Float](repeating: .nan, count: g.outChannels * positions.count)
                packed.withUnsafeBufferPointer { p in
                    y.withUnsafeMutableBufferPointer { out in
                        isa.convSame(g, packed: p.baseAddress!, image: x, positions: positions, y: out.baseAddress!,
                                     ldy: positions.count)
                    }
                }
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa) \(g) positions \(positions)")
            }
        }
    }

    @Test("two small images in one pass give the bits of one at a time", arguments: [(4, 4, 3, 20), (2, 3, 3, 9), (4, 4, 1, 8), (1, 1, 3, 17)])
    func pairsMatchSingles(_ shape: (height: Int, width: Int, kernel: Int, outChannels: Int)) {
        let g = Conv2dGeometry(batch: 1, inChannels: 6, height: shape.height, width: shape.width, outChannels: shape.outChannels,
                               kernelSize: shape.kernel, padding: shape.kernel / 2)
        let hw = g.height * g.width, kdim = g.inChannels * g.kernelHeight * g.kernelWidth
        let x0 = PackedGEMMTests.random(g.inChannels * hw, seed: 8), x1 = PackedGEMMTests.random(g.inChannels * hw, seed: 9)
        let weight = PackedGEMMTests.random(g.outChannels * kdim, seed: 10)
        var packed = [Float](repeating: .nan, count: VectorISA.packedCount(m: g.outChannels, k: kdim))
        packed.withUnsafeMutableBufferPointer { VectorISA.pack(weight, lda: kdim, m: g.outChannels, k: kdim, into: $0.baseAddress!) }
        for isa in VectorISA.available {
            var single0 = [Float](repeating: .nan, count: g.outChannels * hw), single1 = single0, pair0 = single0, pair1 = single0
            packed.withUnsafeBufferPointer { p in
                isa.convSame(g, packed: p.baseAddress!, image: x0, positions: 0..<hw, y: &single0, ldy: hw)
                isa.convSame(g, packed: p.baseAddress!, image: x1, positions: 0..<hw, y: &single1, ldy: hw)
                isa.convSamePair(g, packed: p.baseAddress!, images: x0, x1, y: &pair0, &pair1, ldy: hw)
            }
            #expect(pair0.map(\.bitPattern) == single0.map(\.bitPattern), "\(isa) first image")
            #expect(pair1.map(\.bitPattern) == single1.map(\.bitPattern), "\(isa) second image")
        }
    }
}

/// `CPUBackend.rowBlockedGemm` (linear layers, shared-weight matmuls): a row of C depends on its row
/// of A alone (DESIGN §2's batch invariance), with or without op(B) transposed, writing or adding.
@Suite struct RowBlockedGEMMTests {
    @Test("rows of a batch of items equal each item alone, bit for bit, and the product within 1e-5",
          arguments: [(false, Float(0)), (true, Float(0)), (true, Float(1)), (false, Float(1))])
    func rowsDoNotDependOnTheBatch(_ form: (transB: Bool, beta: Float)) {
        let (items, rowsPerItem, n, k) = (5, 77, 40, 131)
        let m = items * rowsPerItem
        let a = PackedGEMMTests.random(m * k, seed: 21), b = PackedGEMMTests.random(n * k, seed: 22)
        let initial = PackedGEMMTests.random(m * n, seed: 23)
        func product(rows: Range<Int>) -> [Float] {
            var c = Array(initial[(rows.lowerBound * n)..<(rows.upperBound * n)])
            a.withUnsafeBufferPointer { ap in
                CPUBackend.shared.rowBlockedGemm(transB: form.transB, m: rows.count, n: n, k: k, rowsPerItem: rowsPerItem,
                                                 alpha: 1, a: ap.baseAddress! + rows.lowerBound * k, lda: k, b: b,
                                                 ldb: form.transB ? k : n, beta: form.beta, c: &c, ldc: n, bias: nil)
            }
            return c
        }
        let all = product(rows: 0..<m)
        for item in [0, 3] {
            let rows = (item * rowsPerItem)..<((item + 1) * rowsPerItem)
            #expect(product(rows: rows).map(\.bitPattern) == all[(rows.lowerBound * n)..<(rows.upperBound * n)].map(\.bitPattern),
                    "item \(item)")
        }
        for (i, j) in [(0, 0), (100, 17), (m - 1, n - 1)] {
            let exact = (0..<k).reduce(Double(form.beta) * Double(initial[i * n + j])) {
                $0 + Double(a[i * k + $1]) * Double(form.transB ? b[j * k + $1] : b[$1 * n + j])
            }
            #expect(abs(Double(all[i * n + j]) - exact) <= 1e-5 * Double(k), "C[\(i)][\(j)]")
        }
    }

    @Test("VectorISA.transpose writes each element once to its transposed place and nothing past the rows, at tails of 16",
          arguments: [(1, 1), (15, 17), (16, 16), (33, 40), (70, 5)])
    func transposeCopiesEveryElement(_ size: (rows: Int, columns: Int)) {
        let (rows, columns) = size
        let (ldx, ldo) = (columns + 3, rows + 2)
        let x = PackedGEMMTests.random(rows * ldx, seed: 30)
        var out = [Float](repeating: -7, count: columns * ldo)
        VectorISA.transpose(x, ldx: ldx, rows: rows, columns: columns, into: &out, ldo: ldo)
        for j in 0..<columns {
            for i in 0..<ldo {
                let expected = i < rows ? x[i * ldx + j] : -7
                #expect(out[j * ldo + i].bitPattern == expected.bitPattern, "out[\(j)][\(i)] of \(rows)×\(columns)")
            }
        }
    }

    @Test("accumulating adds the chain to C with one rounding, in every set")
    func accumulateAddsOnce() {
        let (m, n, k) = (19, 45, 33)
        let a = PackedGEMMTests.random(m * k, seed: 24), b = PackedGEMMTests.random(k * n, seed: 25)
        let initial = PackedGEMMTests.random(m * n, seed: 26)
        var packed = [Float](repeating: .nan, count: VectorISA.packedCount(m: m, k: k))
        packed.withUnsafeMutableBufferPointer { VectorISA.pack(a, lda: k, m: m, k: k, into: $0.baseAddress!) }
        for isa in VectorISA.available {
            var written = [Float](repeating: .nan, count: m * n), added = initial
            packed.withUnsafeBufferPointer { p in
                isa.gemmPacked(p.baseAddress!, m: m, k: k, b: b, ldb: n, n: n, c: &written, ldc: n)
                isa.gemmPacked(p.baseAddress!, m: m, k: k, b: b, ldb: n, n: n, c: &added, ldc: n, accumulate: true)
            }
            #expect(added.map(\.bitPattern) == zip(initial, written).map { ($0 + $1).bitPattern }, "\(isa)")
        }
    }

    @Test("a bias starts every row: bias + chain with one rounding, in every set, on widths of every tile path")
    func biasStartsEachRow() {
        for (m, n, k) in [(19, 45, 33), (8, 64, 7), (16, 5, 3), (3, 1, 1)] {  // 32- and 16-wide strips, masked tails
            let a = PackedGEMMTests.random(m * k, seed: 27), b = PackedGEMMTests.random(k * n, seed: 28)
            let bias = PackedGEMMTests.random(n, seed: 29)
            var packed = [Float](repeating: .nan, count: VectorISA.packedCount(m: m, k: k))
            packed.withUnsafeMutableBufferPointer { VectorISA.pack(a, lda: k, m: m, k: k, into: $0.baseAddress!) }
            for isa in VectorISA.available {
                var written = [Float](repeating: .nan, count: m * n), biased = [Float](repeating: .nan, count: m * n)
                packed.withUnsafeBufferPointer { p in
                    isa.gemmPacked(p.baseAddress!, m: m, k: k, b: b, ldb: n, n: n, c: &written, ldc: n)
                    isa.gemmPacked(p.baseAddress!, m: m, k: k, b: b, ldb: n, n: n, c: &biased, ldc: n, bias: bias)
                }
                let expected = written.indices.map { (bias[$0 % n] + written[$0]).bitPattern }
                #expect(biased.map(\.bitPattern) == expected, "\(isa) m \(m) n \(n) k \(k)")
            }
        }
    }

    @Test("rowBlockedGemm with a bias equals the bias rows accumulated into, bit for bit, on both backends")
    func rowBlockedBias() throws {
        let (items, rowsPerItem, n, k) = (3, 10, 37, 21)
        let m = items * rowsPerItem
        let a = PackedGEMMTests.random(m * k, seed: 30), b = PackedGEMMTests.random(n * k, seed: 31)
        let bias = PackedGEMMTests.random(n, seed: 32)
        for name in Backends.names {
            let backend = try #require(Backends.named(name))
            for (alpha, transB) in [(Float(1), true), (1, false), (0.5, true)] {  // the packed path and OpenBLAS's
                var fused = [Float](repeating: .nan, count: m * n)
                var rows = (0..<m).flatMap { _ in bias }
                backend.rowBlockedGemm(transB: transB, m: m, n: n, k: k, rowsPerItem: rowsPerItem, alpha: alpha, a: a, lda: k,
                                       b: b, ldb: transB ? k : n, beta: 0, c: &fused, ldc: n, bias: bias)
                backend.rowBlockedGemm(transB: transB, m: m, n: n, k: k, rowsPerItem: rowsPerItem, alpha: alpha, a: a, lda: k,
                                       b: b, ldb: transB ? k : n, beta: 1, c: &rows, ldc: n, bias: nil)
                #expect(fused.map(\.bitPattern) == rows.map(\.bitPattern), "\(name) alpha \(alpha) transB \(transB)")
                #expect(!fused.contains { $0.isNaN })
            }
        }
    }
}

/// The CPU backend's AdamW step (AVX-512 where the CPU has it) gives the bits of the scalar loop it
/// replaces, operation for operation, across blocks and a tail of fewer than 16.
@Suite struct AdamWKernelTests {
    @Test("adamWUpdate equals p ·= decay; m += (g − m)(1 − β₁); v = v·β₂ + (1 − β₂)g·g; p −= s·m / (√v / bc2 + ε), bit for bit")
    func matchesTheScalarLoop() {
        let count = 2 * (1 << 15) + 1000 + 7
        let step = AdamWStep(stepSize: 3e-3, decay: 0.9999, beta1: 0.9, beta2: 0.999, biasCorrection2Sqrt: 0.0447, eps: 1e-8)
        let g = PackedGEMMTests.random(count, seed: 31).map { $0 - 0.5 }
        var p = PackedGEMMTests.random(count, seed: 32), m = PackedGEMMTests.random(count, seed: 33).map { $0 * 0.01 }
        var v = PackedGEMMTests.random(count, seed: 34).map { $0 * 1e-4 }
        var (ep, em, ev) = (p, m, v)
        for i in 0..<count {
            ep[i] *= step.decay
            em[i] += (g[i] - em[i]) * (1 - step.beta1)
            ev[i] = ev[i] * step.beta2 + (1 - step.beta2) * g[i] * g[i]
            let denom = ev[i].squareRoot() / step.biasCorrection2Sqrt + step.eps
            ep[i] -= step.stepSize * em[i] / denom
        }
        CPUBackend.shared.adamWUpdate(step, parameters: &p, gradients: g, firstMoment: &m, secondMoment: &v, count: count)
        #expect(p.map(\.bitPattern) == ep.map(\.bitPattern), "parameters")
        #expect(m.map(\.bitPattern) == em.map(\.bitPattern), "first moment")
        #expect(v.map(\.bitPattern) == ev.map(\.bitPattern), "second moment")
    }
}
