import TensorCore

/// Differentiable ops CLIP needs that TensorCore has no kernel for, composed from its ops.
enum CLIPOps {
    /// Rows `indices` of a (N, D) matrix → (indices.count, D) (PyTorch `x[indices]`).
    ///
    /// An embedding lookup with `x` as the table: the same copy forward and the same scatter-add
    /// backward a gather needs, so no new kernel is required.
    static func rows(_ x: Tensor, _ indices: [Int]) -> Tensor {
        precondition(x.rank == 2, "rows(_:_:) needs a (N, D) matrix, got \(x.shape)")
        return Tensor.embedding(x, ids: indices.map { Int32(truncatingIfNeeded: $0) })
    }

    /// x / ‖x‖₂ over the last axis (modeling_clip.py `_get_vector_norm`: pow(sum(x²), ½), no epsilon).
    static func l2Normalized(_ x: Tensor) -> Tensor {
        x / x.squared().sum(axis: -1, keepDims: true).sqrt()
    }
}
