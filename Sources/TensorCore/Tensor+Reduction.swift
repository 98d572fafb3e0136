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
        let x = self, xp = x.pointer
        // x: (outer, n, inner)  y: (outer, inner); each output summed in index order by one thread.
        var out = Tensor(shape: outShape) { y in
            let yp = y.baseAddress!
            Parallel.forEach(range: outer, blockSize: Swift.max(1, 4096 / Swift.max(1, n * inner))) { r in
                for o in r {
                    let src = xp + o * n * inner, dst = yp + o * inner
                    for i in 0..<inner { dst[i] = 0 }
                    for j in 0..<n { for i in 0..<inner { dst[i] += src[j * inner + i] } }
                }
            }
        }
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            for o in 0..<outer { for j in 0..<n { for i in 0..<inner { gx[(o * n + j) * inner + i] += g[o * inner + i] } } }
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
        let x = self, xp = x.pointer
        var argmax = [Int](repeating: 0, count: outer * inner)
        var out = Tensor(shape: outShape) { y in
            // x: (outer, n, inner)  y: (outer, inner)
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = xp[o * n * inner + i], at = 0
                    for j in 1..<Swift.max(n, 1) where xp[(o * n + j) * inner + i] > best {
                        best = xp[(o * n + j) * inner + i]
                        at = j
                    }
                    y[o * inner + i] = best
                    argmax[o * inner + i] = at
                }
            }
        }
        let winners = argmax
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            for o in 0..<outer { for i in 0..<inner { gx[(o * n + winners[o * inner + i]) * inner + i] += g[o * inner + i] } }
        }
        return out
    }

    /// How many elements are NaN or ±∞: the check that stops non-finite weights, latents and
    /// losses from passing silently (DESIGN §7). Not recorded for gradients.
    public var nonFiniteCount: Int {
        withUnsafeBufferPointer { x in
            var count = 0
            for v in x where !v.isFinite { count += 1 }
            return count
        }
    }
}
