// Losses and other training-time ops: MSE, L1, embedding lookup, dropout.

extension Tensor {
    /// Mean squared error against `target` (PyTorch `F.mse_loss`, mean reduction).
    public func mseLoss(_ target: Tensor) -> Tensor {
        (self - target).squared().mean()
    }

    /// Mean absolute error against `target` (PyTorch `F.l1_loss`); the gradient at 0 is 0 as in PyTorch.
    public func l1Loss(_ target: Tensor) -> Tensor {
        let d = self - target
        return d.unary(.abs).mean()
    }

    /// Rows of an embedding table (V, D) picked by `ids` → (ids.count, D); backward scatter-adds.
    public static func embedding(_ table: Tensor, ids: [Int32]) -> Tensor {
        precondition(table.rank == 2, "embedding table must be (vocab, dim), got \(table.shape)")
        let (vocab, dim) = (table.shape[0], table.shape[1])
        for id in ids { precondition(id >= 0 && Int(id) < vocab, "token id \(id) outside vocabulary of \(vocab)") }
        return table.gatherRows(ids.map { Int($0) })
    }

    /// Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1−p).
    /// The mask comes from `generator`, so a seed reproduces it exactly.
    public func dropout(_ p: Float, generator: inout Philox) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        if p == 0 { return self }
        let u = Tensor.uniform(shape: shape, generator: &generator)
        let scale = 1 / (1 - p)
        let mask = u.unary(.threshold(p, scale)).detached
        return self * mask
    }
}
