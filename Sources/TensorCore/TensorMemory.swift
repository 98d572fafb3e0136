import Foundation
import Synchronization

/// Bytes held by tensor storage, counted at the one place it is allocated (`TensorStorage`), and
/// the caching allocator's figures (`TensorAllocator`).
///
/// `live` is what tensors hold now; `peak` the most they held since `resetPeak()` (process-wide).
/// `peak(of:)` measures one body's own tensors: training measures a step's appetite with it before
/// it starts (`StageTrainer.checkMemory`), so a batch or model that cannot fit is refused with an
/// estimate instead of being killed part way.
public enum TensorMemory {
    private static let liveBytes = Atomic<Int>(0)
    private static let peakBytes = Atomic<Int>(0)

    /// Bytes tensors hold now.
    public static var live: Int { liveBytes.load(ordering: .relaxed) }

    /// The most bytes tensors held at once since the last `resetPeak()`.
    public static var peak: Int { peakBytes.load(ordering: .relaxed) }

    /// Starts a new peak measurement from what is live now.
    public static func resetPeak() {
        peakBytes.store(live, ordering: .relaxed)
    }

    /// Counts `bytes` allocated; returns the measuring scope they also count in, if any.
    static func allocated(_ bytes: Int) -> Scope? {
        raise(peakBytes, to: liveBytes.wrappingAdd(bytes, ordering: .relaxed).newValue)
        guard let scope = Scope.current else { return nil }
        raise(scope.peak, to: scope.live.wrappingAdd(bytes, ordering: .relaxed).newValue)
        return scope
    }

    /// Counts `bytes` freed (in `scope` too, when they were allocated inside one); returns what is live after.
    @discardableResult
    static func freed(_ bytes: Int, scope: Scope?) -> Int {
        scope?.live.wrappingSubtract(bytes, ordering: .relaxed)
        return liveBytes.wrappingSubtract(bytes, ordering: .relaxed).newValue
    }

    private static func raise(_ peak: borrowing Atomic<Int>, to now: Int) {
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    /// The tensor bytes allocated while a `peak(of:)` body runs (on its thread), whatever other
    /// threads or tests allocate meanwhile.
    public final class Scope: Sendable {
        @TaskLocal static var current: Scope?
        let live = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
    }

    /// Runs `body` and returns the most bytes the tensors it allocated held at once. Unlike
    /// `peak − live`, other threads' tensors do not count (nor does another caller's `resetPeak`).
    public static func peak(of body: () throws -> Void) rethrows -> Int {
        let scope = Scope()
        try Scope.$current.withValue(scope) { try body() }
        return scope.peak.load(ordering: .relaxed)
    }

    /// Bytes the caching allocator holds in idle buffers for the next tensors (not in `live`).
    public static var cached: Int { TensorAllocator.idleBytes }

    /// Tensor buffers handed out since the process started, and how many of them came fresh from
    /// the system rather than from the cache; the difference over a step is its allocations.
    public static var allocationCounts: (tensors: Int, system: Int) {
        let c = TensorAllocator.counts
        return (c.allocations, c.systemAllocations)
    }

    /// Gives the caching allocator's idle buffers back to the system.
    public static func releaseCache() { TensorAllocator.releaseCache() }

    /// Memory the system can give this process without swapping: `MemAvailable` of
    /// `/proc/meminfo` on Linux (plus the idle buffers this process caches, which are its to
    /// reuse), else the physical memory; nil when neither can be read.
    public static func systemAvailable() -> Int? {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 + cached }
            }
        }
        let physical = ProcessInfo.processInfo.physicalMemory
        return physical > 0 ? Int(clamping: physical) : nil
    }

    /// `bytes` as "1.23 GB", "456 MB" or "78 KB".
    public static func describe(_ bytes: Int) -> String {
        let value = Double(bytes)
        if value >= 1e9 { return String(format: "%.2f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.0f MB", value / 1e6) }
        return String(format: "%.0f KB", value / 1e3)
    }
}
