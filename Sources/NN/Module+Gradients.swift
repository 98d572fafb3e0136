import TensorCore

extension Module {
    /// Evaluates `loss` with every parameter tracked and accumulates (+=) d(loss)/d(parameter) into
    /// `gradients` at the parameter's offset in `layout`. Returns the loss value.
    ///
    /// Accumulating (not overwriting) makes gradient accumulation over micro-batches a loop of calls;
    /// `gradients.zero()` starts a new step.
    @discardableResult
    public func valueAndGradient(layout: ParameterLayout, gradients: FlatBuffer, _ loss: () throws -> Tensor) rethrows -> Float {
        let params = layout.entries.map(\.parameter)
        let originals = params.map(\.value)
        let destinations = layout.entries.map { (buffer: gradients, offset: $0.offset) }
        let value = try GradientTape.valueAndGradient(at: originals, accumulatingInto: destinations) { tracked in
            // Layers read `parameter.value`: point it at the tracked copy for the forward pass.
            for (p, t) in zip(params, tracked) { p.value = t }
            defer { for (p, o) in zip(params, originals) { p.value = o } }
            return try loss()
        }
        return value.item
    }
}

extension Module {
    /// As `valueAndGradient(layout:gradients:_:)`, with `inputs` tracked too: `loss` receives
    /// their tracked copies, and d(loss)/d(input *i*) is accumulated (+=) into `inputGradients[i]`
    /// (a buffer of `inputs[i].count` floats). For a loss over values computed elsewhere (the whole
    /// batch's embeddings of a data-parallel CLIP step).
    @discardableResult
    public func valueAndGradient(layout: ParameterLayout, gradients: FlatBuffer, inputs: [Tensor],
                                 inputGradients: [FlatBuffer], _ loss: ([Tensor]) throws -> Tensor) rethrows -> Float {
        precondition(inputs.count == inputGradients.count, "one gradient buffer per input")
        let params = layout.entries.map(\.parameter)
        let originals = params.map(\.value)
        let destinations = layout.entries.map { (buffer: gradients, offset: $0.offset) } + inputGradients.map { (buffer: $0, offset: 0) }
        let value = try GradientTape.valueAndGradient(at: originals + inputs, accumulatingInto: destinations) { tracked in
            for (p, t) in zip(params, tracked) { p.value = t }
            defer { for (p, o) in zip(params, originals) { p.value = o } }
            return try loss(Array(tracked[params.count...]))
        }
        return value.item
    }
}
