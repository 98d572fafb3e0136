import Foundation
import Datasets
import Imaging

/// A run's dataset, ready to train on: generated when the config asks for `shapes` and the folder
/// is missing, loaded with validation, and split into training and validation indices by a stable
/// hash of each file name (DESIGN §5).
public struct RunData: Sendable {
    public let dataset: CaptionedDataset
    public let trainIndices: [Int]
    public let validationIndices: [Int]
    /// The crop the training loaders take (`data.crop`).
    public let crop: CropMode

    /// Prepares `config.data`; `note` hears about generation (it can take a few seconds), and
    /// `shouldStop` (Ctrl-C) stops it, removing what it wrote, or stops loading.
    public init(config: RunConfig, note: ((String) -> Void)? = nil, shouldStop: () -> Bool = { false }) throws {
        let data = config.data
        let folder = URL(fileURLWithPath: data.path)
        var shapesGenerator: ShapesGenerator?  // set when an existing shapes folder is to be checked against the config
        let captions = folder.appendingPathComponent(CaptionedDataset.captionsFileName)
        switch data.kind {
        case "shapes":
            let generator = try ShapesGenerator(size: data.size, seed: UInt64(config.seed), twoObjectFraction: data.twoObjectFraction,
                                                excluded: data.excludedCombinations)
            if !FileManager.default.fileExists(atPath: captions.path) {
                note?("generating \(data.count) shapes images (\(data.size)×\(data.size)) into \(folder.path)")
                _ = try generator.write(count: data.count, to: folder, shouldStop: shouldStop)
            } else {
                shapesGenerator = generator
            }
        case "folder":
            break
        default:
            throw ConfigError(source: "config", key: "data.kind", "must be 'shapes' or 'folder', got '\(data.kind)'")
        }
        // Validated by RunConfig.validate; the fallbacks are never used for a validated config.
        dataset = try CaptionedDataset.load(from: folder, size: data.size, filter: ResampleFilter(rawValue: data.resizeFilter) ?? .bicubic,
                                            captionColumn: data.captionColumn, allowBadEntries: data.allowBadEntries,
                                            note: note, shouldStop: shouldStop)
        if data.kind == "shapes", let held = Self.heldOutShown(in: dataset, excluded: data.excludedCombinations) {
            dataset.discardNewPreparedFile()
            throw ConfigError(source: "config", key: "data.exclude",
                              "'\(held.combination)' is held out, but \(held.count) captions in \(folder.path) show it "
                              + "(a folder generated without the exclusion?); set data.path to a new folder")
        }
        if let shapesGenerator, let differing = Self.firstCaptionDiffering(in: dataset, from: shapesGenerator) {
            dataset.discardNewPreparedFile()
            throw ConfigError(source: "config", key: "data.path",
                              "\(folder.path) was generated with other settings than this config's seed, data.two_object_fraction "
                              + "and data.exclude (\(differing.file) says '\(differing.found)', this config draws '\(differing.expected)'); "
                              + "set data.path to a new folder or remove this one")
        }
        crop = CropMode(rawValue: data.crop) ?? .center
        trainIndices = dataset.indices(in: .train, validationPerMille: data.validationPerMille)
        validationIndices = dataset.indices(in: .validation, validationPerMille: data.validationPerMille)
        guard !trainIndices.isEmpty, !validationIndices.isEmpty else {
            dataset.discardNewPreparedFile()
            throw ConfigError(source: "config", key: "data.validation_per_mille",
                              "leaves \(trainIndices.count) training and \(validationIndices.count) validation images in \(folder.path)")
        }
    }

    /// The first excluded combination some caption of `dataset` names, and how many captions do.
    static func heldOutShown(in dataset: CaptionedDataset, excluded: Set<ShapeCombination>) -> (combination: ShapeCombination, count: Int)? {
        for combination in excluded.sorted() {
            let phrase = " \(combination) "
            let count = dataset.captions.count { " \($0) ".contains(phrase) }
            if count > 0 { return (combination, count) }
        }
        return nil
    }

    /// Sample files compared with the config's generator when a run reuses a shapes folder.
    static let checkedSamples = 256

    /// The first of the first ``checkedSamples`` generated files of `dataset` (by their index-named
    /// files) whose caption is not the one `generator` draws for that index: a folder made with
    /// another seed, two-object share or exclusion list, which the run would otherwise train on
    /// silently (sample i is a function of the seed and i alone, so any prefix compares exactly).
    static func firstCaptionDiffering(in dataset: CaptionedDataset, from generator: ShapesGenerator)
        -> (file: String, found: String, expected: String)? {
        var checked = 0
        for entry in dataset.entries where checked < checkedSamples {
            guard entry.file.hasSuffix(".png"), let index = Int(entry.file.dropLast(4)), index >= 0 else { continue }
            checked += 1
            let expected = generator.scene(at: index).caption
            if entry.text != expected { return (entry.file, entry.text, expected) }
        }
        return nil
    }

    /// A shuffling loader over the training split, cropping as `data.crop` says unless `centreOnly`.
    public func trainingLoader(batchSize: Int, seed: Int, flip: Bool, centreOnly: Bool = false) throws -> DatasetLoader {
        try DatasetLoader(dataset: dataset, indices: trainIndices, batchSize: batchSize, seed: UInt64(seed),
                          shuffle: true, horizontalFlip: flip, dropLast: true, crop: centreOnly ? .center : crop)
    }

    /// The validation split in a fixed order, in batches of `batchSize` (the last may be short).
    public func validationLoader(batchSize: Int) throws -> DatasetLoader {
        try DatasetLoader(dataset: dataset, indices: validationIndices, batchSize: min(batchSize, validationIndices.count),
                          seed: 0, shuffle: false, horizontalFlip: false, dropLast: false)
    }
}
