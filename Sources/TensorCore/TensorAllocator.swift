import Foundation
import Synchronization

/// The caching allocator behind tensor storage (DESIGN §2: after warm-up a training step allocates
/// nothing for its activations and gradients).
///
/// A freed buffer goes on a free list for its exact byte count instead of back to the system, and
/// the next tensor of that size takes it: a training or sampling step makes the same tensors every
/// time, so from its second repetition on every buffer comes from the lists, and the page faults,
/// zeroing and unmapping of fresh system memory (18 % of a U-Net step's time, measured with
/// `perf`) are gone. Idle buffers are bounded by the most bytes tensors ever held at once (so the
/// process never holds more than twice its peak); a buffer that would exceed the bound is freed.
/// `releaseCache()` gives all idle buffers back (e.g. between training stages).
/// `T2I_NO_TENSOR_CACHE=1` in the environment turns the cache off (every buffer from the system),
/// as PyTorch's `PYTORCH_NO_CUDA_MEMORY_CACHING`, to measure what it saves or to hunt a read of
/// stale memory.
///
/// Buffers are 64-byte aligned; their contents are whatever the last tensor left, so callers
/// must write every element (as `TensorStorage(uninitializedCount:)` documents).
enum TensorAllocator {
    private struct State: ~Copyable {
        var free: [Int: [UInt]] = [:]  // byte count → idle buffers' addresses
        var idleBytes = 0
        var highWater = 0
        var systemAllocations = 0
        var allocations = 0
    }

    private static let state = Mutex(State())

    private static let caching = getenv("T2I_NO_TENSOR_CACHE").map { String(cString: $0) != "1" } ?? true

    /// A buffer of `bytes` bytes: an idle one of that size, else a fresh one from the system.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let cached: UInt? = state.withLock { s in
            s.allocations += 1
            guard let address = s.free[bytes]?.popLast() else {
                s.systemAllocations += 1
                return nil
            }
            s.idleBytes -= bytes
            return address
        }
        if let cached, let buffer = UnsafeMutableRawPointer(bitPattern: cached) { return buffer }
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    /// Takes back a buffer of `bytes` bytes that `allocate` gave; `live` is what tensors hold after it.
    static func deallocate(_ buffer: UnsafeMutableRawPointer, bytes: Int, live: Int) {
        let address = UInt(bitPattern: buffer)
        let kept = state.withLock { s in
            s.highWater = max(s.highWater, live + bytes)
            guard caching, s.idleBytes + bytes <= s.highWater else { return false }
            s.free[bytes, default: []].append(address)
            s.idleBytes += bytes
            return true
        }
        if !kept { buffer.deallocate() }
    }

    /// Frees every idle buffer.
    static func releaseCache() {
        let addresses = state.withLock { s in
            let all = s.free.values.flatMap { $0 }
            s.free.removeAll()
            s.idleBytes = 0
            return all
        }
        for address in addresses { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }

    /// Bytes in idle buffers.
    static var idleBytes: Int { state.withLock { $0.idleBytes } }

    /// (tensor buffers handed out, of which fresh from the system) since the process started.
    static var counts: (allocations: Int, systemAllocations: Int) {
        state.withLock { ($0.allocations, $0.systemAllocations) }
    }
}
