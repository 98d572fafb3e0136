import Foundation

/// Reusable, 64-byte aligned Float32 scratch buffers (im2col columns, attention score gradients).
///
/// DESIGN §2: scratch memory is reused across steps, not allocated per step. Buffers are kept on a
/// free list per power-of-two size class; `withBuffer` takes one (or allocates one), lends it to its
/// body and puts it back. Contents are uninitialised on entry. At most `maxCachedPerClass` idle
/// buffers are kept per class; extras are freed when returned.
public final class ScratchPool: @unchecked Sendable {
    // Sendable because the free lists are only touched under `lock`, and a buffer is owned by exactly
    // one `withBuffer` call between taking it off a list and putting it back.

    /// The pool the CPU kernels use.
    public static let shared = ScratchPool()

    /// Largest number of idle buffers kept per size class.
    public let maxCachedPerClass: Int

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]

    /// The smallest size class: 4 KiB.
    private static let minimumClass = 12

    /// A new, empty pool.
    public init(maxCachedPerClass: Int = 8) {
        precondition(maxCachedPerClass >= 0, "maxCachedPerClass must be non-negative")
        self.maxCachedPerClass = maxCachedPerClass
    }

    deinit {
        for buffers in free.values { for buffer in buffers { buffer.deallocate() } }
    }

    /// Lends `body` an uninitialised buffer of at least `count` floats from the shared pool.
    public static func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try shared.withBuffer(count: count, body)
    }

    /// Lends `body` an uninitialised buffer of at least `count` floats; it must not escape `body`.
    public func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        precondition(count >= 0, "scratch buffer needs a non-negative count, got \(count)")
        let sizeClass = Self.sizeClass(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        let raw = take(sizeClass) ?? UnsafeMutableRawPointer.allocate(byteCount: 1 << sizeClass, alignment: 64)
        defer { give(raw, sizeClass) }
        return try body(raw.bindMemory(to: Float.self, capacity: (1 << sizeClass) / MemoryLayout<Float>.stride))
    }

    /// Frees every idle buffer.
    public func removeAll() {
        lock.lock()
        let buffers = free.values.flatMap { $0 }
        free.removeAll()
        lock.unlock()
        for buffer in buffers { buffer.deallocate() }
    }

    /// Bytes held in idle buffers.
    public var idleBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return free.reduce(0) { $0 + $1.value.count << $1.key }
    }

    /// log2 of the smallest power of two ≥ `bytes` (at least 4 KiB).
    private static func sizeClass(bytes: Int) -> Int {
        max(minimumClass, Int.bitWidth - (bytes - 1).leadingZeroBitCount)
    }

    private func take(_ sizeClass: Int) -> UnsafeMutableRawPointer? {
        lock.lock()
        defer { lock.unlock() }
        return free[sizeClass]?.popLast()
    }

    private func give(_ buffer: UnsafeMutableRawPointer, _ sizeClass: Int) {
        lock.lock()
        if free[sizeClass, default: []].count < maxCachedPerClass {
            free[sizeClass, default: []].append(buffer)
            lock.unlock()
        } else {
            lock.unlock()
            buffer.deallocate()
        }
    }
}
