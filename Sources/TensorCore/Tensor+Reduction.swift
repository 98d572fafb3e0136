// Reductions over axes, with backward beside forward.

extension Tensor {
    /// (outer, n, inner) sizes of reducing axis `ax`.
    func reductionLayout(_ ax: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<ax].reduce(1, *), shape[ax], shape[(ax + 1)...].reduce(1, *))
    }

    /// Sum over one axis, keeping it with size 1 when `keepDims`.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = (axis + rank) % rank
        let (outer, n, inner) = reductionLayout(ax)
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        let x = self, backend = Backends.current
        // x: (outer, n, inner)  y: (outer, inner)
        var out = Tensor(computing: outShape) { y in
            backend.sumAxis(x.pointer, outer: outer, length: n, inner: inner, output: y)
        }
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            backend.sumAxisBackward(g, outer: outer, length: n, inner: inner, gradInput: gx)
        }
        return out
    }

    /// Sum over several axes (all axes when `axes` is nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let list = (axes ?? Array(0..<rank)).map { ($0 + rank) % rank }.sorted(by: >)
        if list.isEmpty { return self }
        var y = self
        for ax in list { y = y.sum(axis: ax, keepDims: true) }
        if keepDims { return y }
        let kept = shape.enumerated().filter { !list.contains($0.offset) }.map(\.element)
        return y.reshaped(kept)
    }

    /// Mean over several axes (all axes when `axes` is nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let list = (axes ?? Array(0..<rank)).map { ($0 + rank) % rank }
        let n = list.map { shape[$0] }.reduce(1, *)
        return sum(axes: list, keepDims: keepDims) * (1 / Float(n))
    }

    /// Maximum over one axis; the gradient goes to the first position holding the maximum.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = (axis + rank) % rank
        let (outer, n, inner) = reductionLayout(ax)
        precondition(n > 0, "max over an empty axis")
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        let x = self, backend = Backends.current
        let winners = Tensor(computing: outShape) { _ in }  // written by maxAxis below
        // x: (outer, n, inner)  y: (outer, inner)
        var out = Tensor(computing: outShape) { y in
            backend.maxAxis(x.pointer, outer: outer, length: n, inner: inner, output: y, argmax: winners.pointer)
        }
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            backend.maxAxisBackward(g, argmax: winners.pointer, outer: outer, length: n, inner: inner, gradInput: gx)
        }
        return out
    }

    /// How many elements are NaN or ±∞: the check that stops non-finite weights, latents and
    /// losses from passing silently (DESIGN §7). Not recorded for gradients.
    public var nonFiniteCount: Int {
        withExtendedLifetime(storage) { storage.backend.countNonFinite(pointer, count: count) }
    }
}
