import TensorCore

/// One batch from a ``DatasetLoader``: images as a tensor and their captions.
public struct DatasetBatch: Sendable {
    /// `(B, 3, H, W)` Float32 in [−1, 1]: byte `v` becomes `v / 127.5 − 1`.
    public let images: Tensor
    /// The B captions, in batch order.
    public let captions: [String]
    /// The dataset entry index of each image.
    public let indices: [Int]
    /// Whether each image was flipped left–right.
    public let flipped: [Bool]

    /// The batch size B.
    public var count: Int { indices.count }
}
