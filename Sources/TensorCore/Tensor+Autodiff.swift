extension Tensor {
    /// Whether this value depends on a tracked input of the current `GradientTape` call.
    public var isTracked: Bool { node != nil }

    /// The same value, cut off from gradient tracking.
    public var detached: Tensor {
        Tensor(shape: shape, storage: storage, offset: offset)
    }

    /// Records `output` on the current tape as computed from `inputs`, when a tape is installed and
    /// some input is tracked. `backward` receives d(loss)/d(output) and must accumulate (+=) into
    /// the gradient buffers of the inputs (`input.node?.gradBuffer()`; nil for untracked inputs).
    static func record(_ output: inout Tensor, _ inputs: [Tensor], backward: @escaping (UnsafePointer<Float>) -> Void) {
        guard let tape = Tape.current, inputs.contains(where: { $0.node != nil }) else { return }
        let node = TapeNode(count: output.count, backward: backward)
        tape.append(node)
        output.node = node
    }

    /// A pointer to this tensor's elements that lives as long as the storage (which the caller keeps
    /// alive by holding the tensor). Used by kernels and backward closures that hold the tensor.
    var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }
}
