import Testing
import TensorCore

@Suite struct KernelGroupNormTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var batch: Int, channels: Int, spatial: Int, groups: Int, affine: Bool
        var count: Int { batch * channels * spatial }
        var testDescription: String { "N\(batch) C\(channels) S\(spatial) G\(groups)\(affine ? "" : " no affine")" }
    }

    static let shapes = [
        Shape(batch: 2, channels: 6, spatial: 5, groups: 3, affine: true),
        Shape(batch: 3, channels: 8, spatial: 17, groups: 4, affine: true),
        Shape(batch: 2, channels: 4, spatial: 9, groups: 1, affine: false),
        Shape(batch: 1, channels: 6, spatial: 7, groups: 6, affine: true),
        Shape(batch: 2, channels: 32, spatial: 64, groups: 8, affine: true),
    ]

    struct Run { var y, mean, rstd, dx, dGamma, dBeta: [Float] }

    static func run(_ s: Shape, reference: Bool, backwardCalls: Int = 1) -> Run {
        // An offset mean checks that the variance is taken around the mean.
        let x = KernelBuffer((KernelBuffer(random: s.count, seed: 1).array).map { $0 * 2 + 3 })
        let gamma = KernelBuffer(random: s.channels, seed: 2), beta = KernelBuffer(random: s.channels, seed: 3)
        let dy = KernelBuffer(random: s.count, seed: 4)
        let y = KernelBuffer(random: s.count, seed: 5)
        let mean = KernelBuffer(zeros: s.batch * s.groups), rstd = KernelBuffer(zeros: s.batch * s.groups)
        let dx = KernelBuffer(random: s.count, seed: 6)
        let dGamma = KernelBuffer(random: s.channels, seed: 7), dBeta = KernelBuffer(random: s.channels, seed: 8)
        let (g, b) = s.affine ? (Optional(gamma.p), Optional(beta.p)) : (nil, nil)
        if reference {
            ReferenceKernels.groupNormForward(input: x.p, gamma: g, beta: b, output: y.pointer, mean: mean.pointer,
                                              rstd: rstd.pointer, batch: s.batch, channels: s.channels,
                                              spatial: s.spatial, groups: s.groups, eps: 1e-5)
        } else {
            CPUBackend.shared.groupNormForward(input: x.p, gamma: g, beta: b, output: y.pointer, mean: mean.pointer,
                                               rstd: rstd.pointer, batch: s.batch, channels: s.channels,
                                               spatial: s.spatial, groups: s.groups, eps: 1e-5)
        }
        for _ in 0..<backwardCalls {
            if reference {
                ReferenceKernels.groupNormBackward(input: x.p, gamma: g, mean: mean.p, rstd: rstd.p, gradOutput: dy.p,
                                                   gradInput: dx.pointer, gradGamma: dGamma.pointer, gradBeta: dBeta.pointer,
                                                   batch: s.batch, channels: s.channels, spatial: s.spatial, groups: s.groups)
            } else {
                CPUBackend.shared.groupNormBackward(input: x.p, gamma: g, mean: mean.p, rstd: rstd.p, gradOutput: dy.p,
                                                    gradInput: dx.pointer, gradGamma: dGamma.pointer, gradBeta: dBeta.pointer,
                                                    batch: s.batch, channels: s.channels, spatial: s.spatial, groups: s.groups)
            }
        }
        return Run(y: y.array, mean: mean.array, rstd: rstd.array, dx: dx.array, dGamma: dGamma.array, dBeta: dBeta.array)
    }

    @Test(arguments: shapes)
    func matchesReference(_ s: Shape) {
        let fast = Self.run(s, reference: false), slow = Self.run(s, reference: true)
        #expect(relativeError(fast.y, slow.y) <= forwardTolerance)
        #expect(relativeError(fast.mean, slow.mean) <= forwardTolerance)
        #expect(relativeError(fast.rstd, slow.rstd) <= forwardTolerance)
        #expect(relativeError(fast.dx, slow.dx) <= gradientTolerance)
        #expect(relativeError(fast.dGamma, slow.dGamma) <= gradientTolerance)
        #expect(relativeError(fast.dBeta, slow.dBeta) <= gradientTolerance)
    }

    @Test func backwardAccumulates() {
        let s = Self.shapes[1]
        let zero = Self.run(s, reference: false, backwardCalls: 0)
        let once = Self.run(s, reference: false, backwardCalls: 1)
        let twice = Self.run(s, reference: false, backwardCalls: 2)
        // (initial + 2·g) − initial == 2·((initial + g) − initial), within rounding
        func delta(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 - $1 } }
        #expect(relativeError(delta(twice.dx, zero.dx), delta(once.dx, zero.dx).map { 2 * $0 }) <= 1e-4)
        #expect(relativeError(delta(twice.dGamma, zero.dGamma), delta(once.dGamma, zero.dGamma).map { 2 * $0 }) <= 1e-4)
        #expect(relativeError(delta(twice.dBeta, zero.dBeta), delta(once.dBeta, zero.dBeta).map { 2 * $0 }) <= 1e-4)
    }

    @Test func unevenGroupsAreRefused() async {
        await #expect(processExitsWith: .failure) {
            let x = KernelBuffer(zeros: 6), y = KernelBuffer(zeros: 6)
            let stats = KernelBuffer(zeros: 4)
            CPUBackend.shared.groupNormForward(input: x.p, gamma: nil, beta: nil, output: y.pointer, mean: stats.pointer,
                                               rstd: stats.pointer + 2, batch: 1, channels: 6, spatial: 1, groups: 4, eps: 1e-5)
        }
    }
}

@Suite struct KernelLayerNormTests {
    @Test(arguments: [(5, 7, true), (33, 130, true), (4, 16, false), (1, 1, true)])
    func matchesReferenceAndAccumulates(rows: Int, dim: Int, affine: Bool) {
        let count = rows * dim
        let x = KernelBuffer(KernelBuffer(random: count, seed: 1).array.map { $0 - 4 })
        let gamma = KernelBuffer(random: dim, seed: 2), beta = KernelBuffer(random: dim, seed: 3)
        let dy = KernelBuffer(random: count, seed: 4)
        let (g, b) = affine ? (Optional(gamma.p), Optional(beta.p)) : (nil, nil)
        var results: [[[Float]]] = []
        for reference in [false, true] {
            let y = KernelBuffer(zeros: count), mean = KernelBuffer(zeros: rows), rstd = KernelBuffer(zeros: rows)
            let dx = KernelBuffer(zeros: count), dGamma = KernelBuffer(zeros: dim), dBeta = KernelBuffer(zeros: dim)
            var once: [Float] = []
            for call in 0..<2 {
                if reference {
                    ReferenceKernels.layerNormForward(input: x.p, gamma: g, beta: b, output: y.pointer, mean: mean.pointer,
                                                      rstd: rstd.pointer, rows: rows, dim: dim, eps: 1e-5)
                    ReferenceKernels.layerNormBackward(input: x.p, gamma: g, mean: mean.p, rstd: rstd.p, gradOutput: dy.p,
                                                       gradInput: dx.pointer, gradGamma: dGamma.pointer,
                                                       gradBeta: dBeta.pointer, rows: rows, dim: dim)
                } else {
                    CPUBackend.shared.layerNormForward(input: x.p, gamma: g, beta: b, output: y.pointer, mean: mean.pointer,
                                                       rstd: rstd.pointer, rows: rows, dim: dim, eps: 1e-5)
                    CPUBackend.shared.layerNormBackward(input: x.p, gamma: g, mean: mean.p, rstd: rstd.p, gradOutput: dy.p,
                                                        gradInput: dx.pointer, gradGamma: dGamma.pointer,
                                                        gradBeta: dBeta.pointer, rows: rows, dim: dim)
                }
                if call == 0 { once = dx.array + dGamma.array + dBeta.array }
            }
            let twice = dx.array + dGamma.array + dBeta.array
            #expect(relativeError(twice, once.map { 2 * $0 }) <= 1e-5)
            results.append([y.array, mean.array, rstd.array, dx.array, dGamma.array, dBeta.array])
        }
        let (fast, slow) = (results[0], results[1])
        for i in 0..<3 { #expect(relativeError(fast[i], slow[i]) <= forwardTolerance) }
        for i in 3..<6 { #expect(relativeError(fast[i], slow[i]) <= gradientTolerance) }
    }
}

@Suite struct KernelSoftmaxTests {
    /// Random rows with some `-infinity` entries, and one row entirely `-infinity`.
    static func input(rows: Int, cols: Int) -> [Float] {
        var values = KernelBuffer(random: rows * cols, seed: 9, scale: 8).array
        for i in stride(from: 3, to: values.count, by: 7) { values[i] = -.infinity }
        for j in 0..<cols { values[cols + j] = -.infinity }  // row 1 fully masked
        return values
    }

    @Test(arguments: [(4, 13), (3, 64), (5, 1), (2, 9)])
    func softmaxMatchesReference(rows: Int, cols: Int) {
        let x = KernelBuffer(Self.input(rows: rows, cols: cols))
        let dy = KernelBuffer(random: rows * cols, seed: 10)
        for log in [false, true] {
            var outputs: [[Float]] = []
            for reference in [false, true] {
                let y = KernelBuffer(zeros: rows * cols), dx = KernelBuffer(random: rows * cols, seed: 11)
                switch (log, reference) {
                case (false, false):
                    CPUBackend.shared.softmaxForward(input: x.p, output: y.pointer, rows: rows, cols: cols)
                    CPUBackend.shared.softmaxBackward(output: y.p, gradOutput: dy.p, gradInput: dx.pointer, rows: rows, cols: cols)
                case (false, true):
                    ReferenceKernels.softmaxForward(input: x.p, output: y.pointer, rows: rows, cols: cols)
                    ReferenceKernels.softmaxBackward(output: y.p, gradOutput: dy.p, gradInput: dx.pointer, rows: rows, cols: cols)
                case (true, false):
                    CPUBackend.shared.logSoftmaxForward(input: x.p, output: y.pointer, rows: rows, cols: cols)
                    CPUBackend.shared.logSoftmaxBackward(output: y.p, gradOutput: dy.p, gradInput: dx.pointer, rows: rows, cols: cols)
                case (true, true):
                    ReferenceKernels.logSoftmaxForward(input: x.p, output: y.pointer, rows: rows, cols: cols)
                    ReferenceKernels.logSoftmaxBackward(output: y.p, gradOutput: dy.p, gradInput: dx.pointer, rows: rows, cols: cols)
                }
                outputs.append(y.array)
                outputs.append(dx.array)
            }
            #expect(relativeError(outputs[0], outputs[2]) <= forwardTolerance, "log \(log)")
            #expect(relativeError(outputs[1], outputs[3]) <= gradientTolerance, "log \(log)")
            if rows > 1 {
                let maskedRow = Array(outputs[0][cols..<(2 * cols)])
                #expect(maskedRow.allSatisfy { log ? $0 == -.infinity : $0 == 0 })
            }
            #expect(!outputs[0].contains { $0.isNaN } && !outputs[1].contains { $0.isNaN })
        }
    }

    @Test func nanReachesTheWholeRow() {
        let x = KernelBuffer([1, .nan, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3])
        let y = KernelBuffer(zeros: 12), z = KernelBuffer(zeros: 12)
        CPUBackend.shared.softmaxForward(input: x.p, output: y.pointer, rows: 2, cols: 6)
        CPUBackend.shared.logSoftmaxForward(input: x.p, output: z.pointer, rows: 2, cols: 6)
        #expect(y.array[0..<6].allSatisfy { $0.isNaN } && z.array[0..<6].allSatisfy { $0.isNaN })
        #expect(!y.array[6...].contains { $0.isNaN } && !z.array[6...].contains { $0.isNaN })
    }

    @Test func softmaxRowsSumToOne() {
        let x = KernelBuffer(random: 3 * 100, seed: 12, scale: 50)
        let y = KernelBuffer(zeros: 300)
        CPUBackend.shared.softmaxForward(input: x.p, output: y.pointer, rows: 3, cols: 100)
        for row in 0..<3 {
            let total = y.array[(row * 100)..<(row * 100 + 100)].reduce(0, +)
            #expect(abs(total - 1) < 1e-5)
        }
    }
}

@Suite struct KernelUpsampleTests {
    @Test(arguments: [(1, 1, 1, 1), (2, 3, 5, 7), (1, 2, 8, 8)])
    func upsampleMatchesReference(batch: Int, channels: Int, height: Int, width: Int) {
        let inCount = batch * channels * height * width
        let x = KernelBuffer(random: inCount, seed: 1)
        let dy = KernelBuffer(random: 4 * inCount, seed: 2)
        let (y1, y2) = (KernelBuffer(random: 4 * inCount, seed: 3), KernelBuffer(zeros: 4 * inCount))
        let (dx1, dx2) = (KernelBuffer(random: inCount, seed: 4), KernelBuffer(random: inCount, seed: 4))
        CPUBackend.shared.upsampleNearest2xForward(input: x.p, output: y1.pointer, batch: batch, channels: channels,
                                                   height: height, width: width)
        ReferenceKernels.upsampleNearest2xForward(input: x.p, output: y2.pointer, batch: batch, channels: channels,
                                                  height: height, width: width)
        #expect(y1.array == y2.array)
        CPUBackend.shared.upsampleNearest2xBackward(gradOutput: dy.p, gradInput: dx1.pointer, batch: batch,
                                                    channels: channels, height: height, width: width)
        ReferenceKernels.upsampleNearest2xBackward(gradOutput: dy.p, gradInput: dx2.pointer, batch: batch,
                                                   channels: channels, height: height, width: width)
        #expect(relativeError(dx1.array, dx2.array) <= 1e-6)
    }
}
