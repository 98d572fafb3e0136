import CVectorMath
import Foundation

extension CPUBackend {
    /// Softmax over each row, parallel over fixed blocks of rows; an all `-infinity` row gives zeros.
    public func softmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        softmaxForward(input: input, output: output, rows: rows, cols: cols, isa: VectorISA.active)
    }

    /// `softmaxForward` with its exponentials in the instruction set `isa`. Every set gives the same bits.
    public func softmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                               isa: VectorISA) {
        precondition(rows >= 0 && cols >= 0, "softmax: negative shape \(rows)×\(cols)")
        precondition(VectorISA.available.contains(isa), "softmax: this CPU does not run \(isa.rawValue)")
        // x, y: (rows, cols)
        Parallel.forEach(range: rows, blockSize: Self.rowsPerBlock(cols)) { block in
            for row in block {
                Self.softmaxRow(input + row * cols, output + row * cols, count: cols, isa: isa)
            }
        }
    }

    /// Softmax gradient from the output: `dx += y ⊙ (dy − Σ dy·y)`.
    public func softmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        // y, dy, dx: (rows, cols)
        Parallel.forEach(range: rows, blockSize: Self.rowsPerBlock(cols)) { block in
            for row in block {
                let (y, dy, dx) = (output + row * cols, gradOutput + row * cols, gradInput + row * cols)
                let dot = Self.dot(y, dy, count: cols)
                for j in 0..<cols { dx[j] += y[j] * (dy[j] - dot) }
            }
        }
    }

    /// Log-softmax over each row: `x − max − log Σ exp(x − max)`; an all `-infinity` row stays `-infinity`.
    public func logSoftmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "logSoftmax: negative shape \(rows)×\(cols)")
        // x, y: (rows, cols)
        Parallel.forEach(range: rows, blockSize: Self.rowsPerBlock(cols)) { block in
            for row in block {
                let (x, y) = (input + row * cols, output + row * cols)
                let top = Self.maximum(x, count: cols)
                guard top != -.infinity else {
                    y.update(repeating: -.infinity, count: cols)
                    continue
                }
                // y temporarily holds exp(x − max) for the sum.
                let total = Self.expShifted(x, y, count: cols, shift: top)
                let logSum = top + Foundation.log(total)
                for j in 0..<cols { y[j] = x[j] - logSum }
            }
        }
    }

    /// Log-softmax gradient from the output: `dx += dy − exp(y)·Σ dy`.
    public func logSoftmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                   gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        // y, dy, dx: (rows, cols)
        Parallel.forEach(range: rows, blockSize: Self.rowsPerBlock(cols)) { block in
            for row in block {
                let (y, dy, dx) = (output + row * cols, gradOutput + row * cols, gradInput + row * cols)
                let total = SIMD8<Float>(repeating: Self.sum(dy, count: cols))
                var j = 0
                while j + 8 <= cols {
                    Self.store8(Self.load8(dx + j) + (Self.load8(dy + j) - VectorMath.exp(Self.load8(y + j)) * total), dx + j)
                    j += 8
                }
                if j < cols {  // the tail, padded into a vector so it rounds as the rest
                    var v = SIMD8<Float>(repeating: 0)
                    for k in j..<cols { v[k - j] = y[k] }
                    let e = VectorMath.exp(v) * total
                    for k in j..<cols { dx[k] += dy[k] - e[k - j] }
                }
            }
        }
    }

    /// Rows per parallel block: about 16K elements, fixed by `cols`.
    static func rowsPerBlock(_ cols: Int) -> Int { max(1, (1 << 14) / max(cols, 1)) }

    /// One softmax row: y = exp(x − max) / Σ; zeros when every x is `-infinity`, all NaN if any x is NaN. `x` may equal `y`.
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                           isa: VectorISA = VectorISA.active) {
        let top = maximum(x, count: count)
        guard top != -.infinity else {
            y.update(repeating: 0, count: count)  // a fully masked row: zeros, not NaN
            return
        }
        let inverse = 1 / expShifted(x, y, count: count, shift: top, isa: isa)
        var j = 0
        while j + 8 <= count {
            store8(load8(y + j) * inverse, y + j)
            j += 8
        }
        while j < count {
            y[j] *= inverse
            j += 1
        }
    }

    /// Writes y = exp(x − shift) and returns Σ y (fixed order). `x` may equal `y`.
    static func expShifted(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, shift: Float,
                           isa: VectorISA = VectorISA.active) -> Float {
        if !isa.map(Int32(T2I_VECTOR_EXP_SHIFTED), x, y, count, shift: shift) {
            let s = SIMD8<Float>(repeating: shift)
            VectorMath.map(x, y, count) { VectorMath.exp($0 - s) }  // the row stays in L1 for the sum
        }
        return sum(y, count: count)
    }

    /// Σ a[i]·b[i] in Float, in a fixed order.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += load8(a + i) * load8(b + i)
            acc1 += load8(a + i + 8) * load8(b + i + 8)
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }
}
