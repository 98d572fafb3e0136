/// Where a ``DatasetLoader`` stands: the epoch, and the place in that epoch's order of the next
/// sample. Saving it with a checkpoint and restoring it resumes the exact same batches (DESIGN §6).
public struct DatasetPosition: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The epoch, from 0.
    public var epoch: Int
    /// The index into the epoch's shuffled order of the next sample to deliver.
    public var index: Int

    /// Creates a position.
    public init(epoch: Int, index: Int) {
        self.epoch = epoch
        self.index = index
    }

    /// Epoch 0, index 0.
    public static let start = DatasetPosition(epoch: 0, index: 0)

    /// `epoch 3, index 128`.
    public var description: String { "epoch \(epoch), index \(index)" }
}
