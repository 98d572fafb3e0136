import Foundation

/// An n-dimensional array of Float32, row-major, with value semantics (copy on write).
///
/// Images are NCHW, PyTorch's layout, so checkpoints and reference outputs line up (DESIGN §2).
/// A tensor is always contiguous: `shape` fixes the strides. Views that need no data movement —
/// `reshaped` and slicing along the first axis — share the storage and cost nothing.
public struct Tensor: @unchecked Sendable {
    // Sendable as Array is: shared storage is never written (see `TensorStorage`).

    /// The size of each axis; `[]` for a scalar.
    public private(set) var shape: [Int]
    var storage: TensorStorage
    /// Index of this tensor's first element within `storage`.
    var offset: Int
    /// This value's place on the current `Tape`, when it depends on a tracked input.
    var node: TapeNode?

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of axes.
    public var rank: Int { shape.count }

    init(shape: [Int], storage: TensorStorage, offset: Int = 0, node: TapeNode? = nil) {
        self.shape = shape
        self.storage = storage
        self.offset = offset
        self.node = node
    }

    /// A tensor of the given shape holding `data` in row-major order.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.storage = data.withUnsafeBufferPointer { TensorStorage(uploading: $0) }
        self.offset = 0
    }

    /// A tensor of the given shape with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.storage = TensorStorage(repeating: value, count: shape.reduce(1, *))
        self.offset = 0
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// A rank-0 tensor.
    public init(scalar value: Float) {
        self.init(repeating: value, shape: [])
    }

    /// A tensor whose elements are written on the host by `body` (which must write every element):
    /// a transfer point, uploaded to the backend unless it shares host memory.
    public init(shape: [Int], initializer body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        let count = shape.reduce(1, *), backend = Backends.current
        if backend.sharesHostMemory {
            let storage = TensorStorage(uninitializedCount: count, backend: backend)
            try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
            self.init(shape: shape, storage: storage)
        } else {
            var host = [Float](repeating: 0, count: count)
            try host.withUnsafeMutableBufferPointer { try body($0) }
            self.init(shape: shape, storage: host.withUnsafeBufferPointer { TensorStorage(uploading: $0, backend: backend) })
        }
    }

    /// A tensor whose elements a backend kernel writes: `body` gets the new buffer, in the current
    /// backend's memory, and must write every element.
    init(computing shape: [Int], _ body: (UnsafeMutablePointer<Float>) throws -> Void) rethrows {
        let storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
        try body(storage.pointer)
        self.init(shape: shape, storage: storage)
    }

    /// The elements in row-major order.
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// The value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return withUnsafeBufferPointer { $0[0] }
    }

    /// Read access to the elements on the host (a transfer point: a copy unless the backend
    /// shares host memory).
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            if storage.backend.sharesHostMemory {
                return try body(UnsafeBufferPointer(start: storage.pointer + offset, count: count))
            }
            var host = [Float](repeating: 0, count: count)
            host.withUnsafeMutableBufferPointer { if let base = $0.baseAddress { storage.backend.download(storage.pointer + offset, to: base, count: $0.count) } }
            return try host.withUnsafeBufferPointer { try body($0) }
        }
    }

    /// Write access to the elements on the host (a transfer point); copies the storage first if
    /// another tensor shares it.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) || offset != 0 || storage.count != count {
            storage = TensorStorage(copying: storage.pointer + offset, count: count, backend: storage.backend)
            offset = 0
        }
        return try withExtendedLifetime(storage) {
            if storage.backend.sharesHostMemory {
                return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
            }
            var host = [Float](repeating: 0, count: count)
            host.withUnsafeMutableBufferPointer { if let base = $0.baseAddress { storage.backend.download(storage.pointer, to: base, count: $0.count) } }
            defer { host.withUnsafeBufferPointer { if let base = $0.baseAddress { storage.backend.upload(base, to: storage.pointer, count: $0.count) } } }
            return try host.withUnsafeMutableBufferPointer { try body($0) }
        }
    }

    /// The same elements under a new shape (no copy). One axis may be -1 and is inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[hole] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        // Same elements in the same order: the gradient buffer is shared as is.
        return Tensor(shape: resolved, storage: storage, offset: offset, node: node)
    }

    /// Rows `range` of the first axis (no copy).
    public func slice(rows range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) out of bounds for shape \(shape)")
        let rowSize = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        var out = Tensor(shape: newShape, storage: storage, offset: offset + range.lowerBound * rowSize)
        let source = self, backend = Backends.current
        Tensor.record(&out, [self]) { g in
            guard let gx = source.node?.gradBuffer() else { return }
            // gx: (rows, rowSize)  g: (range.count, rowSize) — add into the sliced rows only.
            backend.add(g, into: gx + range.lowerBound * rowSize, count: range.count * rowSize)
        }
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(values)\(count > 8 ? ", …" : "")])"
    }
}

extension Tensor {
    /// Whether `other` is this very tensor: the same storage, offset and shape (not just equal
    /// values). A cache that keeps the tensor it was given can tell by this that it is handed the
    /// same one again: while the cache holds it, its storage is neither freed nor written in place
    /// (a write to storage that is not uniquely referenced copies first).
    public func isIdentical(to other: Tensor) -> Bool {
        storage === other.storage && offset == other.offset && shape == other.shape
    }
}
