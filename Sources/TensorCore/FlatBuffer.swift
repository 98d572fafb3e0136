/// One contiguous Float32 buffer that tensors can view without copying.
///
/// Parameters, gradients and optimizer moments each live in one of these (DESIGN §2), so an
/// optimizer step, gradient clipping or an EMA update is a single loop over memory, and each
/// parameter tensor is a view of its slice. The backend's in-place updates are seen by every view:
/// that is the point (the optimizer owns the writes; views are only read). The buffer lives in the
/// memory of the backend current when it was made, and every update runs on that backend.
public final class FlatBuffer: @unchecked Sendable {
    // Unchecked: like TensorStorage, plus in-place writes that the owner (optimizer) serialises.
    let storage: TensorStorage

    /// A zeroed buffer of `count` floats.
    public init(count: Int) {
        storage = TensorStorage(repeating: 0, count: count)
    }

    /// Number of floats.
    public var count: Int { storage.count }

    /// The buffer's memory, in its backend's memory (host memory only where the backend shares it).
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }

    /// The backend whose memory holds this buffer.
    var backend: any Backend { storage.backend }

    /// The values, copied to or from the host: a transfer point (checkpoints, the MPI exchange),
    /// through the backend's `download` and `upload`.
    public var scalars: [Float] {
        get {
            var host = [Float](repeating: 0, count: count)
            host.withUnsafeMutableBufferPointer { if let base = $0.baseAddress { backend.download(pointer, to: base, count: count) } }
            return host
        }
        set {
            precondition(newValue.count == count, "\(newValue.count) values for a flat buffer of \(count)")
            newValue.withUnsafeBufferPointer { if let base = $0.baseAddress { backend.upload(base, to: pointer, count: count) } }
        }
    }

    /// A tensor viewing `shape.product` floats starting at `offset`.
    public func view(offset: Int, shape: [Int]) -> Tensor {
        precondition(offset >= 0 && offset + shape.reduce(1, *) <= count, "view outside the flat buffer")
        return Tensor(shape: shape, storage: storage, offset: offset)
    }

    /// Sets every element to zero.
    public func zero() {
        backend.fill(pointer, count: count, with: 0)
    }
}

// MARK: In-place updates through the backend (what the optimizer, clipping and EMA do)

extension FlatBuffer {
    /// Copies `other` (same count) into this buffer.
    public func copy(from other: FlatBuffer) {
        precondition(other.count == count, "copy: \(other.count) floats into \(count)")
        backend.copy(other.pointer, to: pointer, count: count)
    }

    /// A new tensor holding a copy of `shape.product` floats starting at `offset` (unlike
    /// `view(offset:shape:)`, it does not change when this buffer does).
    public func tensor(offset: Int, shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        precondition(offset >= 0 && offset + count <= self.count, "copy outside the flat buffer")
        let source = pointer + offset, backend = backend
        return Tensor(computing: shape) { backend.copy(source, to: $0, count: count) }
    }

    /// Copies `tensor`'s elements into this buffer from `offset` on.
    public func write(_ tensor: Tensor, at offset: Int) {
        precondition(offset >= 0 && offset + tensor.count <= count, "write outside the flat buffer")
        withExtendedLifetime(tensor.storage) { backend.copy(tensor.pointer, to: pointer + offset, count: tensor.count) }
    }

    /// Clamps elements `range` to [lo, hi] in place (a parameter kept in bounds, e.g. CLIP's logit scale).
    public func clamp(_ range: Range<Int>, min lo: Float, max hi: Float) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "clamp outside the flat buffer")
        // In place: each element is read before it is written.
        backend.unaryForward(.clamp(lo, hi), input: pointer + range.lowerBound, output: pointer + range.lowerBound, count: range.count)
    }

    /// Adds `other` (same count) to this buffer, element by element.
    public func add(_ other: FlatBuffer) {
        precondition(other.count == count, "add: \(other.count) floats into \(count)")
        backend.add(other.pointer, into: pointer, count: count)
    }

    /// One AdamW step of these parameters (`Backend.adamWUpdate`).
    public func adamWUpdate(_ step: AdamWStep, gradients: FlatBuffer, firstMoment: FlatBuffer, secondMoment: FlatBuffer) {
        precondition(gradients.count == count && firstMoment.count == count && secondMoment.count == count, "AdamW: buffer sizes differ")
        backend.adamWUpdate(step, parameters: pointer, gradients: gradients.pointer, firstMoment: firstMoment.pointer,
                            secondMoment: secondMoment.pointer, count: count)
    }

    /// Σ x² in Double, in an order that does not depend on the thread count.
    public func sumOfSquares() -> Double {
        backend.sumOfSquares(pointer, count: count)
    }

    /// Multiplies every element by `factor`.
    public func scale(by factor: Float) {
        backend.scale(pointer, count: count, by: factor)
    }

    /// Moves this EMA shadow toward `parameters`: x −= (1 − decay)(x − p).
    public func moveAverage(toward parameters: FlatBuffer, decay: Float) {
        precondition(parameters.count == count, "EMA: buffer sizes differ")
        backend.movingAverageUpdate(shadow: pointer, parameters: parameters.pointer, count: count, decay: decay)
    }
}
