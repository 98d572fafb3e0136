import Dispatch
import Foundation

/// The one helper for CPU parallelism in the engine (DESIGN §2).
///
/// Work is cut into blocks of a **fixed** size chosen by the caller from the problem's shape, never
/// from the thread count, and each block is computed by exactly the same code whichever thread runs
/// it; so a kernel's result is bit-identical for any `maxThreads`. Blocks must write disjoint memory.
///
/// Workers are the calling thread and `min(maxThreads, blocks) − 1` threads of `WorkerPool` (or of
/// `DispatchQueue.concurrentPerform` when the pool is busy with another caller) that pull block
/// indices from a shared counter. Inside a worker `maxThreads` is 1, so a kernel that calls another
/// parallel kernel from a block runs the inner one inline instead of oversubscribing the cores.
public enum Parallel {
    /// The number of threads `forEach` may use; bind it with `Parallel.$maxThreads.withValue(n) { … }`.
    ///
    /// Defaults to `T2I_THREADS` when that is a positive integer, else the processors this process
    /// may run on (its affinity mask: one core per rank under `mpirun`, which binds ranks to cores;
    /// read once). Task-local values do not reach Dispatch worker threads, so `forEach` reads it on
    /// the calling thread.
    @TaskLocal public static var maxThreads: Int = defaultMaxThreads

    /// `T2I_THREADS` if set to a positive integer, else the processors of this process's affinity
    /// mask (at most `ProcessInfo.activeProcessorCount`); read once.
    public static let defaultMaxThreads: Int = {
        if let text = ProcessInfo.processInfo.environment["T2I_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        let active = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Linux: the `Cpus_allowed` hex mask of /proc/self/status (sched_getaffinity is a GNU
        // extension Swift's Glibc module does not export).
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) {
            let allowed = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, c in
                count + (c.hexDigitValue?.nonzeroBitCount ?? 0)
            }
            if allowed > 0 { return min(active, allowed) }
        }
        return active
    }()

    /// Calls `body(i)` once for every block index `i` in `0..<count`, spread over up to `maxThreads` threads.
    ///
    /// Runs inline, in order, when `maxThreads` is 1 or there is a single block. Blocks may run in any
    /// order and concurrently, so they must not write memory that another block reads or writes.
    public static func forEach(blocks count: Int, _ body: (Int) -> Void) {
        precondition(count >= 0, "Parallel.forEach needs a non-negative block count, got \(count)")
        let workers = min(maxThreads, count)
        if workers <= 1 {
            for block in 0..<count { body(block) }
            return
        }
        if WorkerPool.shared.run(blocks: count, helpers: workers - 1, body) { return }
        let counter = BlockCounter(count: count)
        withoutActuallyEscaping(body) { body in
            let shared = SharedBody(call: body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                // Nested `forEach` calls inside a block run inline (see the type's comment).
                Parallel.$maxThreads.withValue(1) {
                    while let block = counter.next() { shared.call(block) }
                }
            }
        }
    }

    /// Calls `body` on consecutive ranges of `blockSize` indices covering `0..<n` (the last may be shorter).
    ///
    /// The ranges depend only on `n` and `blockSize`, so results do not depend on the thread count.
    public static func forEach(range n: Int, blockSize: Int, _ body: (Range<Int>) -> Void) {
        precondition(n >= 0, "Parallel.forEach needs a non-negative range, got \(n)")
        precondition(blockSize > 0, "Parallel.forEach needs a positive block size, got \(blockSize)")
        let blocks = (n + blockSize - 1) / blockSize
        forEach(blocks: blocks) { block in
            let start = block * blockSize
            body(start..<min(n, start + blockSize))
        }
    }

    /// Hands the next unclaimed block index to whichever worker asks first.
    private final class BlockCounter: @unchecked Sendable {
        // Sendable because `value` is only touched under `lock` (a pthread mutex on Linux).
        private let lock = NSLock()
        private var value = 0
        private let count: Int

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < count else { return nil }
            value += 1
            return value - 1
        }
    }

    /// The block body, shared with the worker threads.
    ///
    /// The one place where unchecked sendability enters the kernels: `concurrentPerform` wants a
    /// `@Sendable` closure, while kernel bodies capture raw pointers. This is sound because `forEach`
    /// does not return before every worker is done, and callers promise disjoint writes per block.
    private struct SharedBody: @unchecked Sendable {
        let call: (Int) -> Void
    }
}
