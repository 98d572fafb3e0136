// Softmax, log-softmax and cross-entropy over the last axis.

extension Tensor {
    /// Softmax over the last axis.
    public func softmax() -> Tensor {
        let cols = shape[rank - 1], rows = count / Swift.max(cols, 1)
        let x = self, backend = Backends.current
        var out = Tensor(computing: shape) { y in
            backend.softmaxForward(input: x.pointer, output: y, rows: rows, cols: cols)
        }
        let y = out.detached
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            backend.softmaxBackward(output: y.pointer, gradOutput: g, gradInput: gx, rows: rows, cols: cols)
        }
        return out
    }

    /// log(softmax(x)) over the last axis, computed stably.
    public func logSoftmax() -> Tensor {
        let cols = shape[rank - 1], rows = count / Swift.max(cols, 1)
        let x = self, backend = Backends.current
        var out = Tensor(computing: shape) { y in
            backend.logSoftmaxForward(input: x.pointer, output: y, rows: rows, cols: cols)
        }
        let y = out.detached
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            backend.logSoftmaxBackward(output: y.pointer, gradOutput: g, gradInput: gx, rows: rows, cols: cols)
        }
        return out
    }

    /// Mean cross-entropy of logits (N, C) against class indices (PyTorch `F.cross_entropy`).
    public func crossEntropy(targets: [Int]) -> Tensor {
        precondition(rank == 2 && targets.count == shape[0], "crossEntropy: logits \(shape) need \(shape[0]) targets")
        let classes = shape[1]
        for t in targets { precondition(t >= 0 && t < classes, "target \(t) outside 0..<\(classes)") }
        let logp = logSoftmax()
        // Pick −log p[target] per row, then average — written as a one-hot product so backward is shared.
        let oneHot = Tensor(shape: shape) { buf in
            for i in 0..<buf.count { buf[i] = 0 }
            for (row, t) in targets.enumerated() { buf[row * classes + t] = 1 }
        }
        return -(logp * oneHot).sum() * (1 / Float(targets.count))
    }
}
