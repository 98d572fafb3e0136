/// The Float32 buffer behind one or more `Tensor`s.
///
/// Unsafe sendability is confined here: a storage is mutated only through `Tensor`'s copy-on-write
/// path, which first makes sure the storage is uniquely referenced, so storage shared between values
/// (and so possibly between threads) is never written.
final class TensorStorage: @unchecked Sendable {
    /// 64-byte aligned so SIMD loads and BLAS see cache-line aligned rows; from `TensorAllocator`.
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    /// The `TensorMemory.peak(of:)` measurement this storage was allocated in, if any.
    let scope: TensorMemory.Scope?

    /// Uninitialised storage of `count` elements (callers must write every element).
    init(uninitializedCount count: Int) {
        let raw = TensorAllocator.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        scope = TensorMemory.allocated(max(count, 1) * MemoryLayout<Float>.stride)
    }

    /// Storage filled with `value`.
    convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// Storage holding a copy of `buffer`.
    convenience init(copying buffer: UnsafeBufferPointer<Float>) {
        self.init(uninitializedCount: buffer.count)
        if let base = buffer.baseAddress { pointer.initialize(from: base, count: buffer.count) }
    }

    deinit {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        TensorAllocator.deallocate(UnsafeMutableRawPointer(pointer), bytes: bytes, live: TensorMemory.freed(bytes, scope: scope))
    }
}
