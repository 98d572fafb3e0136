import TensorCore

extension Tensor {
    /// (B, C, H, W) → (B, C, H + 1, W + 1) with a zero row below and a zero column on the right
    /// (PyTorch `F.pad(x, (0, 1, 0, 1))`).
    ///
    /// Composed from `concatenate` (TensorCore has no pad op), whose backward routes the gradient of
    /// the original region back to `self` and drops the padding's.
    func zeroPaddedBottomRight() -> Tensor {
        precondition(rank == 4, "zeroPaddedBottomRight needs (B, C, H, W), got \(shape)")
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        // x: (B, C, H, W) → (B, C, H, W + 1) → (B, C, H + 1, W + 1)
        let wide = Tensor.concatenate([self, Tensor(zeros: [b, c, h, 1])], axis: 3)
        return Tensor.concatenate([wide, Tensor(zeros: [b, c, 1, w + 1])], axis: 2)
    }
}
