/// The Float32 buffer behind one or more `Tensor`s, in the memory of the backend that made it.
///
/// Unsafe sendability is confined here: a storage is mutated only through `Tensor`'s copy-on-write
/// path, which first makes sure the storage is uniquely referenced, so storage shared between values
/// (and so possibly between threads) is never written.
final class TensorStorage: @unchecked Sendable {
    /// 64-byte aligned (SIMD loads and BLAS see cache-line aligned rows), from `backend.allocate`.
    /// Read or written on the host only where `backend.sharesHostMemory`.
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    /// The backend whose memory this is; its kernels run on it.
    let backend: any Backend
    /// The `TensorMemory.peak(of:)` measurement this storage was allocated in, if any.
    let scope: TensorMemory.Scope?

    /// Uninitialised storage of `count` elements on `backend` (callers must write every element).
    init(uninitializedCount count: Int, backend: any Backend = Backends.current) {
        pointer = backend.allocate(count: max(count, 1))
        self.count = count
        self.backend = backend
        scope = TensorMemory.allocated(max(count, 1) * MemoryLayout<Float>.stride)
    }

    /// Storage filled with `value`.
    convenience init(repeating value: Float, count: Int, backend: any Backend = Backends.current) {
        self.init(uninitializedCount: count, backend: backend)
        backend.fill(pointer, count: count, with: value)
    }

    /// Storage holding a copy of host memory `buffer`.
    convenience init(uploading buffer: UnsafeBufferPointer<Float>, backend: any Backend = Backends.current) {
        self.init(uninitializedCount: buffer.count, backend: backend)
        if let base = buffer.baseAddress { backend.upload(base, to: pointer, count: buffer.count) }
    }

    /// Storage holding a copy of `count` elements of backend memory from `source`.
    convenience init(copying source: UnsafePointer<Float>, count: Int, backend: any Backend) {
        self.init(uninitializedCount: count, backend: backend)
        backend.copy(source, to: pointer, count: count)
    }

    deinit {
        TensorMemory.freed(max(count, 1) * MemoryLayout<Float>.stride, scope: scope)
        backend.deallocate(pointer, count: max(count, 1))
    }
}
