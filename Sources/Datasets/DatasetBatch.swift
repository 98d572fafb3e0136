import TensorCore

/// One batch from a ``DatasetLoader``: images as a tensor and their captions.
public struct DatasetBatch: Sendable {
    /// `(B, 3, H, W)` Float32 in [−1, 1]: byte `v` becomes `v / 127.5 − 1`.
    public let images: Tensor
    /// The B captions, in batch order (for an image with several, the one drawn for this epoch).
    public let captions: [String]
    /// Each caption's row in the dataset's ``CaptionedDataset/captionTexts``.
    public let captionRows: [Int]
    /// The dataset entry index of each image.
    public let indices: [Int]
    /// Whether each image was flipped left–right.
    public let flipped: [Bool]
    /// A random 64-bit key per image, drawn from `(seed, epoch, place in the epoch)` like the
    /// loader's other choices: for an objective's own per-sample draws (CLIP's hard-negative
    /// captions), which then do not depend on how the batch is cut into micro-batches or ranks.
    public let keys: [UInt64]

    /// The batch size B.
    public var count: Int { indices.count }
}
