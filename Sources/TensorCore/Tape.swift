/// A record of differentiable operations in execution order, for reverse-mode differentiation.
///
/// Ops consult `Tape.current`: with no tape (the default, inference) they record nothing and keep no
/// activations alive. `GradientTape.valueAndGradient` installs a tape for the duration of a call,
/// then walks it backwards once. The tape is task-local, not a mutable global.
public final class Tape: @unchecked Sendable {
    // Unchecked: a tape belongs to the one task that installed it; ops append from that task only
    // (kernels may run on worker threads, but recording happens on the calling thread).

    /// The tape ops record onto, or nil in inference mode.
    @TaskLocal public static var current: Tape?

    private(set) var nodes: [TapeNode] = []

    init() {}

    func append(_ node: TapeNode) {
        nodes.append(node)
    }

    /// Runs every recorded backward from the newest node to the oldest, then drops the record.
    func backward() {
        for node in nodes.reversed() {
            if let grad = node.existingGrad, let backward = node.backward {
                backward(UnsafePointer(grad))
            }
        }
        nodes.removeAll()
    }
}

/// One recorded value: its gradient buffer and how to push that gradient to its inputs.
final class TapeNode {
    let count: Int
    /// Reads this node's gradient and accumulates (+=) into the inputs' gradients (or, as the first
    /// writer of an input's `gradTarget()`, sets them).
    let backward: ((UnsafePointer<Float>) -> Void)?
    private var grad: UnsafeMutablePointer<Float>?
    /// An interior node's own gradient (tensor storage: counted in `TensorMemory`, reused through
    /// the caching allocator); nil for a leaf.
    private var ownGrad: TensorStorage?

    /// An interior node whose gradient buffer is allocated (zeroed) on first use.
    init(count: Int, backward: @escaping (UnsafePointer<Float>) -> Void) {
        self.count = count
        self.backward = backward
    }

    /// A leaf whose gradient accumulates into caller-owned memory (e.g. a flat gradient buffer).
    init(leafCount count: Int, gradient: UnsafeMutablePointer<Float>) {
        self.count = count
        self.backward = nil
        self.grad = gradient
    }

    /// The gradient buffer if anything has been accumulated into it.
    var existingGrad: UnsafeMutablePointer<Float>? { grad }

    /// The gradient buffer, allocated and zeroed on first use.
    func gradBuffer() -> UnsafeMutablePointer<Float> {
        if let grad { return grad }
        let storage = TensorStorage(repeating: 0, count: count)
        ownGrad = storage
        grad = storage.pointer
        return storage.pointer
    }

    /// The gradient buffer for a writer that sets every one of its `count` elements. The first
    /// writer of an interior node gets it unzeroed (whatever the caching allocator's last tensor
    /// left) with `accumulate` false, and must overwrite it (GEMM with beta 0, a copy); every later
    /// writer, and every writer of a leaf, gets `accumulate` true and adds. Ask for it just before
    /// writing: the buffer counts as written from this call on. This saves the zero fill (and the
    /// read of the zeros) that `gradBuffer()` costs for the first consumer of each activation.
    func gradTarget() -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if let grad { return (grad, true) }
        let storage = TensorStorage(uninitializedCount: count)
        ownGrad = storage
        grad = storage.pointer
        return (storage.pointer, false)
    }
}
