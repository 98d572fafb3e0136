import Foundation
import Synchronization

/// The threads behind `Parallel.forEach`: `defaultMaxThreads − 1` workers that live as long as the
/// process and, between parallel regions, spin for a short while before they sleep.
///
/// A U-Net training step opens about 2000 parallel regions, a few hundred microseconds each. Through
/// `DispatchQueue.concurrentPerform` the second thread joined each one about 50 µs late (a futex
/// wake-up): 0.1 thread-seconds of a 0.7 s step on 2 cores. A worker that spins joins within a
/// microsecond. It spins at most `spinNanoseconds` after its last region, then parks on a condition
/// variable, so an idle process (a server between requests, a training paused) costs nothing.
///
/// One caller at a time: a `forEach` from another thread while the pool is busy, or one that wants
/// more threads than the pool has, goes to `concurrentPerform` instead. Which thread runs a block
/// never changes its result (`Parallel`'s contract), so the two paths give identical results.
final class WorkerPool: @unchecked Sendable {
    // @unchecked Sendable: `body` and `blocks` are written by the caller that holds `busy`, before
    // `generation` is incremented (release), and read by workers after they observe the increment
    // (acquire); they are not touched again until every participant has counted itself out of
    // `running` (release/acquire). Everything else is atomic or under `mutex`.

    /// The pool for this process, with `Parallel.defaultMaxThreads − 1` workers.
    static let shared = WorkerPool(workers: Parallel.defaultMaxThreads - 1)

    /// How long a worker spins for the next region before it parks.
    static let spinNanoseconds: UInt64 = 200_000

    let workers: Int
    /// Set while a caller owns the pool.
    private let busy = Atomic<Bool>(false)
    /// `region << 20 | participants`: the region number, bumped once per region (workers wait for
    /// it to change), and how many workers join it (those with `index < participants`). One atomic,
    /// so a worker that wakes late cannot pair one region's number with another's participants.
    private let generation = Atomic<Int>(0)
    private static let participantBits = 20
    /// The next unclaimed block of the current region.
    private let nextBlock = Atomic<Int>(0)
    /// Workers of the current region that have not finished yet.
    private let running = Atomic<Int>(0)
    /// Workers parked on `wake` (or about to park).
    private let sleepers = Atomic<Int>(0)
    private var body: ((Int) -> Void)?
    private var blocks = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private init(workers: Int) {
        self.workers = min(max(0, workers), (1 << Self.participantBits) - 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for index in 0..<self.workers {
            let thread = Thread { [unowned self] in self.work(index: index) }
            thread.name = "t2i-worker-\(index + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `body` on blocks `0..<count` with the caller and `helpers` workers, returning when every
    /// block is done; `false` (nothing ran) when the pool is busy or has fewer workers.
    func run(blocks count: Int, helpers: Int, _ body: (Int) -> Void) -> Bool {
        guard helpers <= workers, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        withoutActuallyEscaping(body) { body in
            self.body = body
            blocks = count
            nextBlock.store(0, ordering: .relaxed)
            running.store(helpers, ordering: .relaxed)
            let region = generation.load(ordering: .relaxed) >> Self.participantBits + 1
            generation.store(region << Self.participantBits | helpers, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(mutex)
            }
            claimBlocks(body)
            // The workers finish their last blocks.
            var spins = 0
            while running.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins & 1023 == 0 { sched_yield() }
            }
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    /// Runs blocks until none is left; nested `forEach` calls inside a block run inline.
    private func claimBlocks(_ body: (Int) -> Void) {
        Parallel.$maxThreads.withValue(1) {
            while true {
                let block = nextBlock.add(1, ordering: .relaxed).oldValue
                if block >= blocks { break }
                body(block)
            }
        }
    }

    /// A worker's life: wait for a region, join it if wanted, count out, repeat.
    private func work(index: Int) {
        // Not `generation`'s value now: a thread that starts after the first region was published
        // must still join it.
        var seen = 0
        while true {
            seen = waitForRegion(after: seen)
            guard index < seen & ((1 << Self.participantBits) - 1) else { continue }
            joinRegion()
            running.subtract(1, ordering: .releasing)
        }
    }

    /// Runs blocks of the current region. A participant reads `body` safely (the region cannot end
    /// before it counts out); its copy is released when this returns, before it counts out, since
    /// the caller's `withoutActuallyEscaping` checks that no reference outlives the region.
    @inline(never)
    private func joinRegion() {
        guard let body else { return }
        claimBlocks(body)
    }

    /// Spins until `generation` moves past `seen`, parking after `spinNanoseconds`; returns the new value.
    private func waitForRegion(after seen: Int) -> Int {
        let started = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            spins += 1
            if spins & 255 == 0 && DispatchTime.now().uptimeNanoseconds - started > Self.spinNanoseconds { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var current = generation.load(ordering: .sequentiallyConsistent)
        while current == seen {
            pthread_cond_wait(wake, mutex)
            current = generation.load(ordering: .sequentiallyConsistent)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return current
    }
}
