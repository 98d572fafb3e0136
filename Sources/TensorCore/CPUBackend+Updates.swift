import CVectorMath
/// The optimizer's in-place updates of flat parameter buffers: elementwise, in blocks of 2¹⁵, so
/// every element's arithmetic is the same on any thread count.
extension CPUBackend {
    static let updateBlock = 1 << 15

    public func adamWUpdate(_ step: AdamWStep, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                            firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>, count: Int) {
        let p = parameters, g = gradients, m = firstMoment, v = secondMoment
        let (b1, b2, eps, bc2, decay, stepSize) = (step.beta1, step.beta2, step.eps, step.biasCorrection2Sqrt, step.decay, step.stepSize)
        let vectorised = VectorISA.active == .avx512
        Parallel.forEach(range: count, blockSize: Self.updateBlock) { r in
            if vectorised {  // the same operations in 16 lanes: the same bits (tested)
                let i = r.lowerBound
                t2i_adamw_avx512(p + i, g + i, m + i, v + i, r.count, b1, b2, eps, bc2, decay, stepSize)
                return
            }
            for i in r {
                p[i] *= decay                                   // param.mul_(1 - lr * weight_decay)
                m[i] += (g[i] - m[i]) * (1 - b1)                // exp_avg.lerp_(grad, 1 - beta1)
                v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i]       // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
                let denom = v[i].squareRoot() / bc2 + eps       // (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
                p[i] -= stepSize * m[i] / denom                 // param.addcdiv_(exp_avg, denom, value=-step_size)
            }
        }
    }

    public func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        // Blocked Double partial sums, added in block order.
        let block = Self.updateBlock
        let blocks = (count + block - 1) / block
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(blocks, 1))
        defer { partials.deallocate() }
        Parallel.forEach(blocks: blocks) { b in
            var s = 0.0
            for i in (b * block)..<min(count, (b + 1) * block) { s += Double(x[i]) * Double(x[i]) }
            partials[b] = s
        }
        var total = 0.0
        for b in 0..<blocks { total += partials[b] }
        return total
    }

    public func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEach(range: count, blockSize: Self.updateBlock) { r in for i in r { y[i] += x[i] } }
    }

    public func gatherRows(_ input: UnsafePointer<Float>, rowLength: Int, rows: [Int], output: UnsafeMutablePointer<Float>) {
        // Blocks of whole rows, each row a contiguous copy.
        let perBlock = max(1, Self.updateBlock / max(rowLength, 1))
        Parallel.forEach(range: rows.count, blockSize: perBlock) { r in
            for i in r { (output + i * rowLength).update(from: input + rows[i] * rowLength, count: rowLength) }
        }
    }

    public func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        Parallel.forEach(range: count, blockSize: Self.updateBlock) { r in for i in r { x[i] *= factor } }
    }

    public func movingAverageUpdate(shadow: UnsafeMutablePointer<Float>, parameters: UnsafePointer<Float>, count: Int, decay: Float) {
        let s = shadow, p = parameters
        Parallel.forEach(range: count, blockSize: Self.updateBlock) { r in
            for i in r { s[i] -= (1 - decay) * (s[i] - p[i]) }
        }
    }
}
