/// Reverse-mode differentiation of a scalar function of tensors.
public enum GradientTape {
    /// Evaluates `body` on tracked copies of `inputs` and returns its value and the gradient of
    /// that (one-element) value with respect to each input.
    public static func valueAndGradient(
        at inputs: [Tensor], _ body: ([Tensor]) throws -> Tensor
    ) rethrows -> (value: Tensor, gradients: [Tensor]) {
        var grads = inputs.map { Tensor(zeros: $0.shape) }
        let pointers = grads.indices.map { i in
            grads[i].withUnsafeMutableBufferPointer { $0.baseAddress! }
        }
        // `grads` is not touched again until the tape is gone, so the pointers stay valid.
        let value = try withExtendedLifetime(grads) {
            try valueAndGradient(at: inputs, accumulatingInto: pointers, body)
        }
        return (value, grads)
    }

    /// Evaluates `body` on tracked copies of `inputs` and accumulates (+=) the gradient of its
    /// one-element result with respect to input *i* into `gradients[i]` (which must hold
    /// `inputs[i].count` floats). Calling it again without zeroing accumulates gradients.
    public static func valueAndGradient(
        at inputs: [Tensor], accumulatingInto gradients: [UnsafeMutablePointer<Float>],
        _ body: ([Tensor]) throws -> Tensor
    ) rethrows -> Tensor {
        precondition(inputs.count == gradients.count, "one gradient buffer per input")
        let tape = Tape()
        let value: Tensor = try Tape.$current.withValue(tape) {
            let tracked = zip(inputs, gradients).map { input, grad in
                var t = input
                t.node = TapeNode(leafCount: input.count, gradient: grad)
                return t
            }
            return try body(tracked)
        }
        precondition(value.count == 1, "valueAndGradient needs a one-element result, got shape \(value.shape)")
        if let node = value.node {
            node.gradBuffer().pointee += 1  // d(value)/d(value)
            tape.backward()
        }
        var result = value
        result.node = nil
        return result
    }
}
