import Foundation
import Synchronization
import Testing
import TensorCore

@Suite struct KernelGEMMTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var m: Int, n: Int, k: Int
        var transA = false, transB = false
        var alpha: Float = 1, beta: Float = 0
        /// Extra columns of padding in each stored row (lda, ldb, ldc above the minimum).
        var pad = 0
        var testDescription: String {
            "\(m)×\(n)×\(k) \(transA ? "T" : "N")\(transB ? "T" : "N") α\(alpha) β\(beta) pad\(pad)"
        }
    }

    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 1),
        Case(m: 7, n: 13, k: 5),
        Case(m: 7, n: 13, k: 5, transA: true),
        Case(m: 7, n: 13, k: 5, transB: true),
        Case(m: 7, n: 13, k: 5, transA: true, transB: true, alpha: 0.5, beta: 1.5, pad: 3),
        Case(m: 37, n: 19, k: 23, alpha: -2, beta: 1, pad: 1),
        Case(m: 300, n: 200, k: 64, beta: 0.25),                  // split along rows
        Case(m: 40, n: 600, k: 128, transA: true, transB: true),   // split along columns
        Case(m: 257, n: 33, k: 300, transB: true, pad: 2),
        Case(m: 32, n: 24, k: 3000, transA: true, beta: 0.5, pad: 1),  // split along k (weight-gradient shape)
        Case(m: 20, n: 40, k: 4000, transB: true, alpha: 2),
    ]

    /// Runs one case on both the optimised and the reference kernel from the same C.
    static func run(_ c: Case, seed: UInt64) -> (optimised: [Float], reference: [Float]) {
        let (rowsA, colsA) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (rowsB, colsB) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let (lda, ldb, ldc) = (colsA + c.pad, colsB + c.pad, c.n + c.pad)
        let a = KernelBuffer(random: rowsA * lda, seed: seed)
        let b = KernelBuffer(random: rowsB * ldb, seed: seed + 1)
        let c0 = KernelBuffer(random: c.m * ldc, seed: seed + 2)
        let (fast, slow) = (c0.copy(), c0.copy())
        CPUBackend.shared.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                               a: a.p, lda: lda, b: b.p, ldb: ldb, beta: c.beta, c: fast.pointer, ldc: ldc)
        ReferenceKernels.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                              a: a.p, lda: lda, b: b.p, ldb: ldb, beta: c.beta, c: slow.pointer, ldc: ldc)
        _ = colsA
        return (fast.array, slow.array)
    }

    @Test(arguments: cases)
    func gemmMatchesReference(_ c: Case) {
        let (fast, slow) = Self.run(c, seed: 11)
        #expect(relativeError(fast, slow) <= forwardTolerance)
    }

    @Test func paddingColumnsOfCAreUntouched() {
        let c = Case(m: 9, n: 5, k: 4, beta: 0, pad: 3)
        let (fast, slow) = Self.run(c, seed: 3)
        for row in 0..<c.m {
            for j in c.n..<(c.n + c.pad) { #expect(fast[row * 8 + j] == slow[row * 8 + j]) }
        }
    }

    @Test func zeroInnerDimensionScalesC() {
        let c = KernelBuffer([1, 2, 3, 4, 5, 6])
        let dummy = KernelBuffer(zeros: 1)
        CPUBackend.shared.gemm(transA: false, transB: false, m: 2, n: 3, k: 0, alpha: 1, a: dummy.p, lda: 1,
                               b: dummy.p, ldb: 3, beta: 2, c: c.pointer, ldc: 3)
        #expect(c.array == [2, 4, 6, 8, 10, 12])
        let nan = KernelBuffer([.nan, .nan])
        CPUBackend.shared.gemm(transA: false, transB: false, m: 1, n: 2, k: 0, alpha: 1, a: dummy.p, lda: 1,
                               b: dummy.p, ldb: 2, beta: 0, c: nan.pointer, ldc: 2)
        #expect(nan.array == [0, 0])  // BLAS: beta 0 ignores C
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func batchedGemmMatchesReference(transA: Bool, transB: Bool) {
        let (batch, m, n, k) = (5, 6, 7, 9)
        let (lda, ldb, ldc) = (transA ? m : k, transB ? k : n, n)
        let (strideA, strideB, strideC) = (m * k + 3, k * n + 1, m * n + 2)
        let a = KernelBuffer(random: batch * strideA, seed: 21)
        let b = KernelBuffer(random: batch * strideB, seed: 22)
        let c0 = KernelBuffer(random: batch * strideC, seed: 23)
        let (fast, slow) = (c0.copy(), c0.copy())
        CPUBackend.shared.batchedGemm(batch: batch, transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75,
                                      a: a.p, lda: lda, strideA: strideA, b: b.p, ldb: ldb, strideB: strideB,
                                      beta: -0.5, c: fast.pointer, ldc: ldc, strideC: strideC)
        ReferenceKernels.batchedGemm(batch: batch, transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75,
                                     a: a.p, lda: lda, strideA: strideA, b: b.p, ldb: ldb, strideB: strideB,
                                     beta: -0.5, c: slow.pointer, ldc: ldc, strideC: strideC)
        #expect(relativeError(fast.array, slow.array) <= forwardTolerance)
        // The gaps between matrices are not written.
        #expect(fast.array[m * n] == c0.array[m * n])
    }

    @Test(arguments: [(515, 384, 256), (300, 900, 64), (48, 40, 5000)])
    func gemmIsBitIdenticalForOneAndTwoThreads(m: Int, n: Int, k: Int) {
        let a = KernelBuffer(random: m * k, seed: 31)
        let b = KernelBuffer(random: k * n, seed: 32)
        func product(threads: Int) -> [Float] {
            let c = KernelBuffer(random: m * n, seed: 33)
            Parallel.$maxThreads.withValue(threads) {
                CPUBackend.shared.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a.p, lda: k,
                                       b: b.p, ldb: n, beta: 1, c: c.pointer, ldc: n)
            }
            return c.array
        }
        #expect(bitIdentical(product(threads: 1), product(threads: 2)))
    }
}

@Suite struct KernelParallelTests {
    @Test func everyBlockRunsExactlyOnce() {
        for threads in [1, 2, 3] {
            let hits = KernelBuffer(zeros: 97)
            Parallel.$maxThreads.withValue(threads) {
                Parallel.forEach(blocks: 97) { hits.pointer[$0] += 1 }
            }
            #expect(hits.array == [Float](repeating: 1, count: 97))
        }
    }

    @Test func rangesCoverTheWholeRangeInFixedBlocks() {
        let seen = KernelBuffer(zeros: 103)
        let sizes = KernelBuffer(zeros: 11)
        Parallel.$maxThreads.withValue(2) {
            Parallel.forEach(range: 103, blockSize: 10) { range in
                sizes.pointer[range.lowerBound / 10] = Float(range.count)
                for i in range { seen.pointer[i] += 1 }
            }
        }
        #expect(seen.array == [Float](repeating: 1, count: 103))
        #expect(sizes.array == [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3])
    }

    @Test func nestedLoopsRunInlineInsideWorkers() {
        let inner = KernelBuffer(zeros: 8)
        Parallel.$maxThreads.withValue(2) {
            Parallel.forEach(blocks: 4) { outer in
                inner.pointer[outer * 2] = Float(Parallel.maxThreads)
                Parallel.forEach(blocks: 1) { _ in inner.pointer[outer * 2 + 1] = 1 }
            }
        }
        #expect(inner.array == [1, 1, 1, 1, 1, 1, 1, 1])
    }

    /// Thousands of short regions back to back, some after a pause long enough for the pool's
    /// workers to park: every block of every region runs exactly once, and none is lost in a hand-off.
    @Test func regionsBackToBackAndAfterIdlePauses() {
        let hits = KernelBuffer(zeros: 3 * 5000)
        Parallel.$maxThreads.withValue(2) {
            for region in 0..<5000 {
                if region % 500 == 499 { usleep(2000) }  // > the pool's 200 µs spin: workers park
                Parallel.forEach(blocks: 3) { hits.pointer[region * 3 + $0] += 1 }
            }
        }
        #expect(hits.array == [Float](repeating: 1, count: 3 * 5000))
    }

    /// Callers on several threads at once (the pool serves one, the others fall back to Dispatch):
    /// each gets exactly its own blocks.
    @Test func concurrentCallersEachGetTheirOwnBlocks() {
        let callers = 4, regions = 300, blocks = 37
        // Each caller writes its own slots.
        nonisolated(unsafe) let sums = KernelBuffer(zeros: callers * regions)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            Parallel.$maxThreads.withValue(2) {
                for region in 0..<regions {
                    let row = KernelBuffer(zeros: blocks)
                    Parallel.forEach(blocks: blocks) { row.pointer[$0] = Float($0 + 1) }
                    sums.pointer[caller * regions + region] = row.array.reduce(0, +)
                }
            }
        }
        #expect(sums.array == [Float](repeating: Float(blocks * (blocks + 1) / 2), count: callers * regions))
    }

    /// With two threads, two blocks run at the same time: block 0 waits (up to 5 s) for block 1 to
    /// start, which a second thread that never woke would not do.
    @Test(.enabled(if: ProcessInfo.processInfo.activeProcessorCount >= 2))
    func twoThreadsRunTwoBlocksAtOnce() {
        let flag = Atomic<Int>(0)
        let sawOther = Atomic<Bool>(false)
        Parallel.$maxThreads.withValue(2) {
            Parallel.forEach(blocks: 2) { block in
                if block == 1 { flag.store(1, ordering: .releasing); return }
                let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
                while flag.load(ordering: .acquiring) == 0 && DispatchTime.now().uptimeNanoseconds < deadline {}
                sawOther.store(flag.load(ordering: .acquiring) == 1, ordering: .relaxed)
            }
        }
        let saw = sawOther.load(ordering: .relaxed)
        #expect(saw)
    }

    @Test func emptyAndDefaults() {
        Parallel.forEach(blocks: 0) { _ in Issue.record("no block expected") }
        Parallel.forEach(range: 0, blockSize: 4) { _ in Issue.record("no range expected") }
        #expect(Parallel.maxThreads >= 1)
        #expect(Parallel.defaultMaxThreads >= 1)
    }
}

@Suite struct KernelScratchPoolTests {
    @Test func buffersAreAlignedAndReused() {
        let pool = ScratchPool(maxCachedPerClass: 2)
        let first = pool.withBuffer(count: 1000) { p -> UInt in
            p.update(repeating: 1, count: 1000)
            return UInt(bitPattern: p)
        }
        #expect(first % 64 == 0)
        #expect(pool.idleBytes == 4096)
        let second = pool.withBuffer(count: 900) { UInt(bitPattern: $0) }
        #expect(second == first)  // the same size class comes back off the free list
        pool.withBuffer(count: 10) { a in
            pool.withBuffer(count: 10) { b in #expect(a != b) }  // nested loans never share
        }
        pool.removeAll()
        #expect(pool.idleBytes == 0)
    }
}
