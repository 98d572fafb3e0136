// Shape ops: data movement only; backward moves the gradient back the same way.

extension Tensor {
    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
        return s
    }

    /// Axes reordered: output axis *i* is input axis `axes[i]` (PyTorch `permute`). Copies.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) does not fit rank \(rank)")
        if axes == Array(0..<rank) { return self }
        let inStrides = Tensor.strides(shape)
        let outShape = axes.map { shape[$0] }
        // Read stride of each output axis; the walk is an odometer over the output.
        let readStrides = axes.map { inStrides[$0] }
        let x = self, backend = Backends.current
        var out = Tensor(computing: outShape) { y in
            backend.stridedCopy(shape: outShape, input: x.pointer, strides: readStrides, output: y)
        }
        // The backward's first writer reads dY back in x's order: input axis j is output axis
        // axes⁻¹[j], whose stride in dY is outStrides[axes⁻¹[j]].
        let outStrides = Tensor.strides(outShape)
        var gradStrides = [Int](repeating: 0, count: rank)
        for (i, j) in axes.enumerated() { gradStrides[j] = outStrides[i] }
        let inShape = shape
        Tensor.record(&out, [x]) { g in
            guard let (gx, accumulate) = x.node?.gradTarget() else { return }
            if accumulate {
                backend.stridedAdd(shape: outShape, gradOutput: g, strides: readStrides, gradInput: gx)
            } else {
                backend.stridedCopy(shape: inShape, input: g, strides: gradStrides, output: gx)
            }
        }
        return out
    }

    /// Two axes swapped (negative axes count from the end).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt((a + rank) % rank, (b + rank) % rank)
        return permuted(axes)
    }

    /// This tensor stretched to `target` by broadcasting (copies); backward sums over the stretch.
    public func broadcasted(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Broadcast.shape(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        let sa = Broadcast.strides(of: shape, in: target)
        let x = self, backend = Backends.current
        var out = Tensor(computing: target) { y in
            backend.stridedCopy(shape: target, input: x.pointer, strides: sa, output: y)
        }
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            backend.stridedAdd(shape: target, gradOutput: g, strides: sa, gradInput: gx)
        }
        return out
    }

    /// Rows `rows` of axis 0, in that order (repeats allowed): (rows.count, …). The gradient of a
    /// row used twice is the sum of both, added in `rows` order.
    public func gatherRows(_ rows: [Int]) -> Tensor {
        precondition(rank >= 1, "gatherRows needs at least one axis, got a scalar")
        for r in rows { precondition(r >= 0 && r < shape[0], "row \(r) outside 0..<\(shape[0])") }
        let rowLength = shape.dropFirst().reduce(1, *)
        let source = self, backend = Backends.current
        var out = Tensor(computing: [rows.count] + shape.dropFirst()) { y in
            guard !rows.isEmpty else { return }
            backend.gatherRows(source.pointer, rowLength: rowLength, rows: rows, output: y)
        }
        Tensor.record(&out, [self]) { g in
            guard let gx = source.node?.gradBuffer() else { return }
            backend.scatterAddRows(g, rowLength: rowLength, rows: rows, into: gx)
        }
        return out
    }

    /// Joins tensors along `axis`; all other axes must match.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let rank = parts[0].rank
        let ax = (axis + rank) % rank
        for p in parts {
            precondition(p.rank == rank && zip(p.shape, parts[0].shape).enumerated().allSatisfy { $0.offset == ax || $0.element.0 == $0.element.1 },
                         "cannot concatenate \(parts.map(\.shape)) along axis \(axis)")
        }
        let outer = parts[0].shape[..<ax].reduce(1, *)
        let inner = parts[0].shape[(ax + 1)...].reduce(1, *)
        var outShape = parts[0].shape
        outShape[ax] = parts.map { $0.shape[ax] }.reduce(0, +)
        let outRow = outShape[ax] * inner
        let backend = Backends.current
        var out = Tensor(computing: outShape) { yp in
            var start = 0
            // each part: (outer, len·inner) copied into columns [start, start+len·inner) of (outer, outRow)
            for p in parts {
                let len = p.shape[ax] * inner
                backend.copyRows(rows: outer, length: len, source: p.pointer, sourceStride: len,
                                 destination: yp + start, destinationStride: outRow, accumulate: false)
                start += len
            }
        }
        Tensor.record(&out, parts) { g in
            var start = 0
            for p in parts {
                let len = p.shape[ax] * inner
                if let gp = p.node?.gradBuffer() {
                    backend.copyRows(rows: outer, length: len, source: g + start, sourceStride: outRow,
                                     destination: gp, destinationStride: len, accumulate: true)
                }
                start += len
            }
        }
        return out
    }

    /// Splits along `axis` into pieces of the given sizes (which must add up to the axis).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let ax = (axis + rank) % rank
        precondition(sizes.reduce(0, +) == shape[ax], "split sizes \(sizes) do not add up to \(shape[ax]) on axis \(axis)")
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        let row = shape[ax] * inner
        var start = 0
        var pieces: [Tensor] = []
        let x = self, backend = Backends.current
        for size in sizes {
            var pieceShape = shape
            pieceShape[ax] = size
            let len = size * inner, begin = start
            var piece = Tensor(computing: pieceShape) { yp in
                backend.copyRows(rows: outer, length: len, source: x.pointer + begin, sourceStride: row,
                                 destination: yp, destinationStride: len, accumulate: false)
            }
            Tensor.record(&piece, [x]) { g in
                guard let gx = x.node?.gradBuffer() else { return }
                backend.copyRows(rows: outer, length: len, source: g, sourceStride: len,
                                 destination: gx + begin, destinationStride: row, accumulate: true)
            }
            pieces.append(piece)
            start += len
        }
        return pieces
    }

    /// Splits along `axis` into `count` equal pieces (PyTorch `chunk` with a divisible size).
    public func chunked(_ count: Int, axis: Int) -> [Tensor] {
        let ax = (axis + rank) % rank
        precondition(count > 0 && shape[ax] % count == 0, "axis \(axis) of size \(shape[ax]) does not split into \(count) equal chunks")
        return split(sizes: Array(repeating: shape[ax] / count, count: count), axis: axis)
    }
}
