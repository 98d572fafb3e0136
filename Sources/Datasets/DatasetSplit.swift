/// The two parts of a dataset: what a stage trains on, and what it is checked on.
public enum DatasetSplit: String, Sendable, CaseIterable, Codable {
    /// Files whose split bucket is at or above the validation share.
    case train
    /// Files whose split bucket is below the validation share (see `CaptionedDataset.splitBucket`).
    case validation
}
