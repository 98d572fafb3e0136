import TensorCore

/// The denoising loss (DESIGN §4): the "simple" mean squared error of Ho et al. 2020, optionally
/// weighted per batch item (min-SNR-γ).
public enum DiffusionLoss {
    /// mean over items of w_b · mean over elements of (prediction − target)²; plain MSE when
    /// `weights` is nil (train_text_to_image.py: `mse_loss(reduction="none").mean(dims) * weights`, then mean).
    public static func mse(prediction: Tensor, target: Tensor, weights: [Float]? = nil) -> Tensor {
        precondition(prediction.shape == target.shape, "loss: prediction \(prediction.shape) and target \(target.shape) differ")
        guard let weights else { return prediction.mseLoss(target) }
        precondition(weights.count == prediction.shape[0], "loss: \(prediction.shape[0]) items need \(prediction.shape[0]) weights")
        let perItem = (prediction - target).squared().mean(axes: Array(1..<prediction.rank))  // (B)
        return (perItem * Tensor(shape: [weights.count], data: weights)).mean()
    }
}
