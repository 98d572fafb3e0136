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

    static func run(_ c: Case, reference: Bool, backwardCalls: Int = 1) -> Run {
        let (qCount, kCount) = (c.bh * c.lq * c.d, c.bh * c.lk * c.d)
        let q = KernelBuffer(random: qCount, seed: 1), k = KernelBuffer(random: kCount, seed: 2)
        let v = KernelBuffer(random: kCount, seed: 3), dOut = KernelBuffer(random: qCount, seed: 4)
        let out = KernelBuffer(random: qCount, seed: 5), probs = KernelBuffer(random: c.bh * c.lq * c.lk, seed: 6)
        let dq = KernelBuffer(zeros: qCount), dk = KernelBuffer(zeros: kCount), dv = KernelBuffer(zeros: kCount)
        let scale = 1 / Float(c.d).squareRoot()
        if reference {
            ReferenceKernels.attentionForward(q: q.p, k: k.p, v: v.p, output: out.pointer, probs: probs.pointer,
                                              batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                              scale: scale, mask: c.mask)
        } else {
            CPUBackend.shared.attentionForward(q: q.p, k: k.p, v: v.p, output: out.pointer, probs: probs.pointer,
                                               batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                               scale: scale, mask: c.mask)
        }
        for _ in 0..<backwardCalls {
            if reference {
                ReferenceKernels.attentionBackward(q: q.p, k: k.p, v: v.p, probs: probs.p, gradOutput: dOut.p,
                                                   gradQ: dq.pointer, gradK: dk.pointer, gradV: dv.pointer,
                                                   batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                                   scale: scale)
            } else {
                CPUBackend.shared.attentionBackward(q: q.p, k: k.p, v: v.p, probs: probs.p, gradOutput: dOut.p,
                                                    gradQ: dq.pointer, gradK: dk.pointer, gradV: dv.pointer,
                                                    batchHeads: c.bh, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                                    scale: scale)
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
        let one = Parallel.$maxThreads.withValue(1) { Self.run(c, reference: false) }
        let two = Parallel.$maxThreads.withValue(2) { Self.run(c, reference: false) }
        #expect(bitIdentical(one.out, two.out) && bitIdentical(one.probs, two.probs))
        #expect(bitIdentical(one.dq, two.dq) && bitIdentical(one.dk, two.dk) && bitIdentical(one.dv, two.dv))
    }
}
