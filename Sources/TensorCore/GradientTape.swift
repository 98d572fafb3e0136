/// Reverse-mode differentiation of a scalar function of tensors.
public enum GradientTape {
    /// Evaluates `body` on tracked copies of `inputs` and returns its value and the gradient of
    /// that (one-element) value with respect to each input.
    public static func valueAndGradient(
        at inputs: [Tensor], _ body: ([Tensor]) throws -> Tensor
    ) rethrows -> (value: Tensor, gradients: [Tensor]) {
        let grads = inputs.map { Tensor(zeros: $0.shape) }
        // Fresh, unshared storage that the backward accumulates into through the backend; `grads`
        // is not touched again until the tape is gone, so the pointers stay valid.
        let pointers = grads.map(\.pointer)
        let value = try withExtendedLifetime(grads) {
            try valueAndGradient(at: inputs, accumulatingInto: pointers, body)
        }
        return (value, grads)
    }

    /// Evaluates `body` on tracked copies of `inputs` and accumulates (+=) the gradient of its
    /// one-element result with respect to input *i* into `destinations[i]`: `inputs[i].count`
    /// floats of a flat buffer (a model's gradient buffer at a parameter's offset). Calling it again
    /// without zeroing accumulates gradients.
    public static func valueAndGradient(
        at inputs: [Tensor], accumulatingInto destinations: [(buffer: FlatBuffer, offset: Int)],
        _ body: ([Tensor]) throws -> Tensor
    ) rethrows -> Tensor {
        precondition(inputs.count == destinations.count, "one gradient destination per input")
        for (input, d) in zip(inputs, destinations) {
            precondition(d.offset >= 0 && d.offset + input.count <= d.buffer.count, "gradient destination outside its flat buffer")
        }
        return try withExtendedLifetime(destinations.map(\.buffer)) {
            try valueAndGradient(at: inputs, accumulatingInto: destinations.map { $0.buffer.pointer + $0.offset }, body)
        }
    }

    /// As above, into backend memory at `gradients[i]` (which must hold `inputs[i].count` floats).
    static func valueAndGradient(
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
            let seed = node.gradBuffer()  // d(value)/d(value) += 1
            Backends.current.unaryForward(.add(1), input: seed, output: seed, count: 1)
            tape.backward()
        }
        var result = value
        result.node = nil
        return result
    }
}
