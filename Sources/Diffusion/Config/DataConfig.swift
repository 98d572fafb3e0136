/// Where a run's training images come from (DESIGN §5).
public struct DataConfig: Codable, Equatable, Sendable {
    /// "shapes" (generated into `path` when the folder is missing) or "folder" (an existing dataset).
    public var kind: String = "shapes"
    /// The dataset folder (PNG files + captions.jsonl).
    public var path: String = "data/shapes-32"
    /// Images to generate for `shapes`.
    public var count: Int = 20_000
    /// Image side in pixels.
    public var size: Int = 32
    /// Share of two-object samples for `shapes`.
    public var twoObjectFraction: Double = 0.1
    /// Validation share in thousandths, chosen by a stable hash of the file name.
    public var validationPerMille: Int = 50
    /// Random horizontal flips (never for captions that say left or right).
    public var flip: Bool = false
    /// Skip bad dataset entries (missing, unreadable, out-of-folder files, …) however many there
    /// are, rather than refusing a dataset with more than 1 % of them; `--allow-bad` sets it, and the
    /// run's config.yaml records it.
    public var allowBadEntries: Bool = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case kind
        case path
        case count
        case size
        case twoObjectFraction = "two_object_fraction"
        case validationPerMille = "validation_per_mille"
        case flip
        case allowBadEntries = "allow_bad_entries"
    }
}
