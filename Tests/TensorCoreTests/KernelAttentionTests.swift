import Testing
import TensorCore

@Suite struct KernelAttentionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var batch: Int, heads: Int, lq: Int, lk: Int, d: Int
        var mask: AttentionMask
        var name: String
        var testDescription: String { name }
        var bh: Int { batch * heads }
    }

    static let cases: [Case] = [
        Case(batch: 2, heads: 3, lq: 5, lk: 7, d: 4, mask: AttentionMask(heads: 3), name: "no mask, Lq ≠ Lk"),
        Case(batch: 2, heads: 2, lq: 9, lk: 9, d: 8, mask: AttentionMask(heads: 2, causal: true), name: "causal"),
        Case(batch: 2, heads: 3, lq: 6, lk: 10, d: 5,
             mask: AttentionMask(heads: 3, keyLengths: [3, 10]), name: "key lengths"),
        Case(batch: 2, heads: 1, lq: 4, lk: 6, d: 3,
             mask: AttentionMask(heads: 1, additive: additive(slices: 1, lq: 4, lk: 6)), name: "additive, broadcast"),
        Case(batch: 2, heads: 2, lq: 4, lk: 6, d: 3,
             mask: AttentionMask(heads: 2, causal: true, keyLengths: [6, 2], additive: additive(slices: 2, lq: 4, lk: 6)),
             name: "all three, per batch"),
        Case(batch: 2, heads: 2, lq: 3, lk: 5, d: 4,
             mask: AttentionMask(heads: 2, keyLengths: [0, 5]), name: "fully masked batch item"),
        Case(batch: 3, heads: 4, lq: 17, lk: 33, d: 16, mask: AttentionMask(heads: 4, causal: true), name: "larger"),
    ]

    /// Random additive mask values with a few `-infinity` entries, shape (slices, lq, lk).
    static func additive(slices: Int, lq: Int, lk: Int) -> [Float] {
        var values = KernelBuffer(random: slices * lq * lk, seed: 77).array
        for i in stride(from: 2, to: values.count, by: 5) { values[i] = -.infinity }
        return values
    }

    struct Run { var out, probs, dq, dk, dv: [Float] }

    /// One forward and `backwardCalls` backwards on random buffers, read in `layout` (head-major by
    /// default; `.interleaved(heads: c.heads)` reads the same buffers as (B, L, H·D)).
    /// The gradient buffers start as `gradFill` and the backward sets those in `overwriting`.
    static func run(_ c: Case, reference: Bool, backwardCalls: Int = 1, layout: AttentionLayout = .headMajor,
                    gradFill: Float = 0, overwriting: AttentionGradients = []) -> Run {
        let (qCount, kCount) = (c.bh * c.lq * c.d, c.bh * c.lk * c.d)
        let q = KernelBuffer(random: qCount, seed: 1), k = KernelBuffer(random: kCount, seed: 2)
        let v = KernelBuffer(random: kCount, seed: 3), dOut = KernelBuffer(random: qCount, seed: 4)
        let out = KernelBuffer(random: qCount, seed: 5), probs = KernelBuffer(random: c.bh * c.lq * c.lk, seed: 6)
        let dq = KernelBuffer([Float](repeating: gradFill, count: qCount))
        let dk = KernelBuffer([Float](repeating: gradFill, count: kCount)), dv = KernelBuffer([Float](repeating: gradFill, count: kCount))
        let scale = 1 / Float(c.d).squareRoot()
        if reference {
            ReferenceKernels.attentionForward(q: q.p, k: k.p, v: v.p, output: out.pointer, probs: probs.pointer,
                                              batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                              scale: scale, mask: c.mask, layout: layout)
        } else {
            CPUBackend.shared.attentionForward(q: q.p, k: k.p, v: v.p, output: out.pointer, probs: probs.pointer,
                                               batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                               scale: scale, mask: c.mask, layout: layout)
        }
        for _ in 0..<backwardCalls {
            if reference {
                ReferenceKernels.attentionBackward(q: q.p, k: k.p, v: v.p, probs: probs.p, gradOutput: dOut.p,
                                                   gradQ: dq.pointer, gradK: dk.pointer, gradV: dv.pointer,
                                                   batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                                   scale: scale, layout: layout, overwriting: overwriting)
            } else {
                CPUBackend.shared.attentionBackward(q: q.p, k: k.p, v: v.p, probs: probs.p, gradOutput: dOut.p,
                                                    gradQ: dq.pointer, gradK: dk.pointer, gradV: dv.pointer,
                                                    batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                                    scale: scale, layout: layout, overwriting: overwriting)
            }
        }
        return Run(out: out.array, probs: probs.array, dq: dq.array, dk: dk.array, dv: dv.array)
    }

    @Test(arguments: cases)
    func matchesReference(_ c: Case) {
        let fast = Self.run(c, reference: false), slow = Self.run(c, reference: true)
        #expect(relativeError(fast.probs, slow.probs) <= forwardTolerance)
        #expect(relativeError(fast.out, slow.out) <= forwardTolerance)
        #expect(relativeError(fast.dq, slow.dq) <= gradientTolerance)
        #expect(relativeError(fast.dk, slow.dk) <= gradientTolerance)
        #expect(relativeError(fast.dv, slow.dv) <= gradientTolerance)
        for values in [fast.out, fast.probs, fast.dq, fast.dk, fast.dv] { #expect(!values.contains { $0.isNaN }) }
    }

    /// The interleaved layout (B, L, H·D), as `MultiHeadAttention` runs it, against the reference in
    /// the same layout.
    @Test(arguments: cases)
    func interleavedMatchesReference(_ c: Case) {
        let layout = AttentionLayout.interleaved(heads: c.heads)
        let fast = Self.run(c, reference: false, layout: layout), slow = Self.run(c, reference: true, layout: layout)
        #expect(relativeError(fast.probs, slow.probs) <= forwardTolerance)
        #expect(relativeError(fast.out, slow.out) <= forwardTolerance)
        #expect(relativeError(fast.dq, slow.dq) <= gradientTolerance)
        #expect(relativeError(fast.dk, slow.dk) <= gradientTolerance)
        #expect(relativeError(fast.dv, slow.dv) <= gradientTolerance)
    }

    /// (B, L, H·D) → (B, H, L, D).
    static func headMajor(_ x: [Float], batch: Int, length: Int, heads: Int, dim: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        for b in 0..<batch {
            for i in 0..<length {
                for h in 0..<heads {
                    for t in 0..<dim { y[((b * heads + h) * length + i) * dim + t] = x[((b * length + i) * heads + h) * dim + t] }
                }
            }
        }
        return y
    }

    /// The interleaved layout is the head-major one with the heads moved: the reference kernel on
    /// interleaved buffers equals, value for value, the reference on the same buffers permuted to
    /// (B, H, L, D) — so the offsets and strides name the same elements.
    @Test(arguments: [cases[0], cases[4], cases[6]])
    func interleavedIsHeadMajorPermuted(_ c: Case) {
        let scale = 1 / Float(c.d).squareRoot()
        let (qCount, kCount) = (c.bh * c.lq * c.d, c.bh * c.lk * c.d)
        let raw = [KernelBuffer(random: qCount, seed: 1), KernelBuffer(random: kCount, seed: 2),
                   KernelBuffer(random: kCount, seed: 3), KernelBuffer(random: qCount, seed: 4)].map(\.array)
        let lengths = [c.lq, c.lk, c.lk, c.lq]
        func results(_ inputs: [[Float]], _ layout: AttentionLayout) -> [[Float]] {
            let (q, k, v, dOut) = (KernelBuffer(inputs[0]), KernelBuffer(inputs[1]), KernelBuffer(inputs[2]), KernelBuffer(inputs[3]))
            let out = KernelBuffer(zeros: qCount), probs = KernelBuffer(zeros: c.bh * c.lq * c.lk)
            let dq = KernelBuffer(zeros: qCount), dk = KernelBuffer(zeros: kCount), dv = KernelBuffer(zeros: kCount)
            ReferenceKernels.attentionForward(q: q.p, k: k.p, v: v.p, output: out.pointer, probs: probs.pointer,
                                              batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                              scale: scale, mask: c.mask, layout: layout)
            ReferenceKernels.attentionBackward(q: q.p, k: k.p, v: v.p, probs: probs.p, gradOutput: dOut.p,
                                               gradQ: dq.pointer, gradK: dk.pointer, gradV: dv.pointer,
                                               batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                               scale: scale, layout: layout, overwriting: [])
            return [out.array, probs.array, dq.array, dk.array, dv.array]
        }
        let interleaved = results(raw, .interleaved(heads: c.heads))
        let permuted = results(zip(raw, lengths).map { Self.headMajor($0, batch: c.batch, length: $1, heads: c.heads, dim: c.d) },
                               .headMajor)
        #expect(bitIdentical(interleaved[1], permuted[1]))  // probs are (BH, Lq, Lk) in both
        for (index, length) in [(0, c.lq), (2, c.lq), (3, c.lk), (4, c.lk)] {
            let moved = Self.headMajor(interleaved[index], batch: c.batch, length: length, heads: c.heads, dim: c.d)
            #expect(bitIdentical(moved, permuted[index]), "result \(index)")
        }
    }

    /// A set gradient is every element written, whatever the buffer held (here NaN): the same
    /// bits as adding into zeros, in both layouts, with a fully masked batch item and with no keys.
    @Test(arguments: [false, true])
    func overwritingSetsEveryElement(reference: Bool) {
        let all: AttentionGradients = [.query, .key, .value]
        let noKeys = Case(batch: 2, heads: 2, lq: 3, lk: 0, d: 4, mask: AttentionMask(heads: 2), name: "no keys")
        for c in [Self.cases[0], Self.cases[5], Self.cases[6], noKeys] {
            for layout in [AttentionLayout.headMajor, .interleaved(heads: c.heads)] {
                let added = Self.run(c, reference: reference, layout: layout)
                let set = Self.run(c, reference: reference, layout: layout, gradFill: .nan, overwriting: all)
                #expect(bitIdentical(set.dq, added.dq) && bitIdentical(set.dk, added.dk) && bitIdentical(set.dv, added.dv),
                        "\(c.name), \(layout)")
                // Only the named ones: dK still adds to what it held.
                let some = Self.run(c, reference: reference, layout: layout, gradFill: 1, overwriting: [.query, .value])
                #expect(bitIdentical(some.dq, added.dq) && bitIdentical(some.dv, added.dv), "\(c.name), \(layout)")
                #expect(relativeError(some.dk, added.dk.map { 1 + $0 }) <= 1e-6, "\(c.name), \(layout)")
            }
        }
    }

    @Test func masksGiveExactZerosAndRowsSumToOne() {
        let c = Self.cases[4]
        let run = Self.run(c, reference: false)
        for bh in 0..<c.bh {
            let b = bh / c.heads
            for i in 0..<c.lq {
                let row = Array(run.probs[((bh * c.lq + i) * c.lk)..<((bh * c.lq + i + 1) * c.lk)])
                for j in 0..<c.lk {
                    let additive = c.mask.additive?[(b * c.lq + i) * c.lk + j] ?? 0
                    let masked = j > i || j >= (c.mask.keyLengths?[b] ?? c.lk) || additive == -.infinity
                    if masked { #expect(row[j] == 0, "bh \(bh) query \(i) key \(j)") }
                }
                let total = row.reduce(0, +)
                #expect(total == 0 || abs(total - 1) < 1e-5)
            }
        }
    }

    @Test func fullyMaskedRowsGiveZeros() {
        let c = Self.cases[5]  // batch item 0 has no valid key
        let run = Self.run(c, reference: false)
        let perItem = c.heads * c.lq
        #expect(run.probs[0..<(perItem * c.lk)].allSatisfy { $0 == 0 })
        #expect(run.out[0..<(perItem * c.d)].allSatisfy { $0 == 0 })
        #expect(run.dq[0..<(perItem * c.d)].allSatisfy { $0 == 0 })
        #expect(run.dk[0..<(c.heads * c.lk * c.d)].allSatisfy { $0 == 0 })
    }

    @Test func backwardAccumulates() {
        let c = Self.cases[1]
        let once = Self.run(c, reference: false)
        let twice = Self.run(c, reference: false, backwardCalls: 2)
        #expect(relativeError(twice.dq, once.dq.map { 2 * $0 }) <= 1e-6)
        #expect(relativeError(twice.dk, once.dk.map { 2 * $0 }) <= 1e-6)
        #expect(relativeError(twice.dv, once.dv.map { 2 * $0 }) <= 1e-6)
    }

    @Test func bitIdenticalForOneAndTwoThreads() {
        let c = Case(batch: 4, heads: 4, lq: 64, lk: 64, d: 32, mask: AttentionMask(heads: 4, causal: true), name: "")
        for layout in [AttentionLayout.headMajor, .interleaved(heads: c.heads)] {
            let one = Parallel.$maxThreads.withValue(1) { Self.run(c, reference: false, layout: layout) }
            let two = Parallel.$maxThreads.withValue(2) { Self.run(c, reference: false, layout: layout) }
            #expect(bitIdentical(one.out, two.out) && bitIdentical(one.probs, two.probs))
            #expect(bitIdentical(one.dq, two.dq) && bitIdentical(one.dk, two.dk) && bitIdentical(one.dv, two.dv))
        }
    }
}
