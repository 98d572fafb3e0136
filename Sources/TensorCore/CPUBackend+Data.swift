// Memory, data movement, reductions, selection and random fills of the CPU backend. Host memory
// from the caching allocator; each loop is blocked by the problem's shape only, so results never
// depend on the number of threads.

extension CPUBackend {
    public var sharesHostMemory: Bool { true }

    public func allocate(count: Int) -> UnsafeMutablePointer<Float> {
        TensorAllocator.allocate(bytes: count * MemoryLayout<Float>.stride).bindMemory(to: Float.self, capacity: count)
    }

    public func deallocate(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        TensorAllocator.deallocate(UnsafeMutableRawPointer(buffer), bytes: count * MemoryLayout<Float>.stride, live: TensorMemory.live)
    }

    public func fill(_ buffer: UnsafeMutablePointer<Float>, count: Int, with value: Float) {
        Parallel.forEach(range: count, blockSize: Self.updateBlock) { r in
            (buffer + r.lowerBound).update(repeating: value, count: r.count)
        }
    }

    public func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEach(range: count, blockSize: Self.updateBlock) { r in
            (destination + r.lowerBound).update(from: source + r.lowerBound, count: r.count)
        }
    }

    public func upload(_ host: UnsafePointer<Float>, to buffer: UnsafeMutablePointer<Float>, count: Int) {
        copy(host, to: buffer, count: count)
    }

    public func download(_ buffer: UnsafePointer<Float>, to host: UnsafeMutablePointer<Float>, count: Int) {
        copy(buffer, to: host, count: count)
    }

    public func copyRows(rows: Int, length: Int, source: UnsafePointer<Float>, sourceStride: Int,
                         destination: UnsafeMutablePointer<Float>, destinationStride: Int, accumulate: Bool) {
        guard rows > 0, length > 0 else { return }
        // Each destination row is written by one block; rows never overlap (strides ≥ length).
        Parallel.forEach(range: rows, blockSize: max(1, Self.updateBlock / length)) { r in
            for row in r {
                let src = source + row * sourceStride, dst = destination + row * destinationStride
                if accumulate {
                    for j in 0..<length { dst[j] += src[j] }
                } else {
                    dst.update(from: src, count: length)
                }
            }
        }
    }

    public func scatterAddRows(_ gradOutput: UnsafePointer<Float>, rowLength: Int, rows: [Int],
                               into gradInput: UnsafeMutablePointer<Float>) {
        // Serial: a repeated row adds its terms in `rows` order (PyTorch's `embedding_backward`).
        for (i, r) in rows.enumerated() {
            let src = gradOutput + i * rowLength, dst = gradInput + r * rowLength
            for j in 0..<rowLength { dst[j] += src[j] }
        }
    }

    /// Rows of `outer` per parallel block of the axis ops: about 4096 elements, fixed by the shape.
    static func axisBlock(length n: Int, inner: Int) -> Int {
        max(1, 4096 / max(1, n * inner))
    }

    public func sumAxis(_ x: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int, output y: UnsafeMutablePointer<Float>) {
        // x: (outer, n, inner)  y: (outer, inner); each output summed in index order by one thread.
        Parallel.forEach(range: outer, blockSize: Self.axisBlock(length: n, inner: inner)) { r in
            for o in r {
                let src = x + o * n * inner, dst = y + o * inner
                for i in 0..<inner { dst[i] = 0 }
                for j in 0..<n { for i in 0..<inner { dst[i] += src[j * inner + i] } }
            }
        }
    }

    public func sumAxisBackward(_ gradOutput: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int,
                                gradInput: UnsafeMutablePointer<Float>) {
        Parallel.forEach(range: outer, blockSize: Self.axisBlock(length: n, inner: inner)) { r in
            for o in r {
                let g = gradOutput + o * inner, gx = gradInput + o * n * inner
                for j in 0..<n { for i in 0..<inner { gx[j * inner + i] += g[i] } }
            }
        }
    }

    public func maxAxis(_ x: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int, output y: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Float>) {
        precondition(n > 0, "max over an empty axis")
        Parallel.forEach(range: outer, blockSize: Self.axisBlock(length: n, inner: inner)) { r in
            for o in r {
                for i in 0..<inner {
                    var best = x[o * n * inner + i], at = 0
                    for j in 1..<n where x[(o * n + j) * inner + i] > best {
                        best = x[(o * n + j) * inner + i]
                        at = j
                    }
                    y[o * inner + i] = best
                    argmax[o * inner + i] = Float(at)
                }
            }
        }
    }

    public func maxAxisBackward(_ gradOutput: UnsafePointer<Float>, argmax: UnsafePointer<Float>, outer: Int, length n: Int,
                                inner: Int, gradInput: UnsafeMutablePointer<Float>) {
        // One add per output element, into distinct places: rows of `outer` in parallel.
        Parallel.forEach(range: outer, blockSize: Self.axisBlock(length: n, inner: inner)) { r in
            for o in r {
                let g = gradOutput + o * inner, winners = argmax + o * inner, gx = gradInput + o * n * inner
                for i in 0..<inner { gx[Int(winners[i]) * inner + i] += g[i] }
            }
        }
    }

    public func countNonFinite(_ x: UnsafePointer<Float>, count: Int) -> Int {
        var total = 0
        for i in 0..<count where !x[i].isFinite { total += 1 }
        return total
    }

    public func select(condition: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                       output: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            for i in r { output[i] = condition[i] != 0 ? a[i] : b[i] }
        }
    }

    public func selectBackward(condition: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                               gradA: UnsafeMutablePointer<Float>?, gradB: UnsafeMutablePointer<Float>?, count: Int) {
        Parallel.forEach(range: count, blockSize: Self.elementwiseBlock) { r in
            for i in r {
                if condition[i] != 0 { gradA?[i] += gradOutput[i] } else { gradB?[i] += gradOutput[i] }
            }
        }
    }

    public func fillNormal(_ buffer: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float, generator: inout Philox) {
        generator.fillNormal(UnsafeMutableBufferPointer(start: buffer, count: count), mean: mean, std: std)
    }

    public func fillUniform(_ buffer: UnsafeMutablePointer<Float>, count: Int, generator: inout Philox) {
        generator.fillUniform(UnsafeMutableBufferPointer(start: buffer, count: count))
    }
}
