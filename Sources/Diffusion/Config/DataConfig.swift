import Datasets

/// Where a run's training images come from (DESIGN §5).
public struct DataConfig: Codable, Equatable, Sendable {
    /// "shapes" (generated into `path` when the folder is missing) or "folder" (an existing dataset).
    public var kind: String = "shapes"
    /// The dataset folder: PNG and JPEG images of any size with `captions.jsonl`, `metadata.jsonl`
    /// or sidecar `.txt`/`.caption` files (see `CaptionConvention`).
    public var path: String = "data/shapes-32-p40"
    /// Images to generate for `shapes`.
    public var count: Int = 20_000
    /// Image side in pixels: images are resized so that their shorter side is this, then cropped
    /// square.
    public var size: Int = 32
    /// Which square of a resized image training sees: "center", or "random" (a new one per epoch;
    /// the U-Net stage, which trains on cached latents, always uses the centre).
    public var crop: String = "center"
    /// The resampling filter of the resize: "bicubic" (Pillow's default), "bilinear", "lanczos" or
    /// "box".
    public var resizeFilter: String = "bicubic"
    /// The caption key of a `metadata.jsonl` (Hugging Face imagefolder) dataset.
    public var captionColumn: String = "text"
    /// Share of two-object samples for `shapes`. Two in five: with one in ten (the share before
    /// 2026-12-01, `ShapesGenerator.defaultTwoObjectFraction`) the default model drew two-object
    /// prompts fully right in 5 %, with half it placed single objects right in 84 % (issue 16,
    /// `docs/composition-study.md`).
    public var twoObjectFraction: Double = 0.4
    /// Colour–shape combinations `shapes` never draws, e.g. ["green triangle", "red square"]: held
    /// out from training so that `t2i eval shapes` can ask for them (compositional generalisation).
    public var exclude: [String] = []
    /// Validation share in thousandths, chosen by a stable hash of the file name.
    public var validationPerMille: Int = 50
    /// Random horizontal flips (never for captions that say left or right).
    public var flip: Bool = false
    /// Skip bad dataset entries (missing, unreadable, out-of-folder files, …) however many there
    /// are, rather than refusing a dataset with more than 1 % of them; `--allow-bad` sets it, and the
    /// run's config.yaml records it.
    public var allowBadEntries: Bool = false

    public init() {}

    /// `exclude` parsed (validated by `RunConfig.validate`, which names a bad entry).
    public var excludedCombinations: Set<ShapeCombination> {
        Set(exclude.compactMap { ShapeCombination(parsing: $0) })
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case path
        case count
        case size
        case crop
        case resizeFilter = "resize_filter"
        case captionColumn = "caption_column"
        case twoObjectFraction = "two_object_fraction"
        case exclude
        case validationPerMille = "validation_per_mille"
        case flip
        case allowBadEntries = "allow_bad_entries"
    }
}
