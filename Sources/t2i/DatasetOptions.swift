import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Imaging

/// How `t2i data info|bench|prepare` load a dataset folder: the folder and the preparation
/// settings, given directly or taken from a run config's `data` section.
struct DatasetOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The dataset folder (default: the config's data.path).", valueName: "dir"))
    var folder: String?

    @Option(name: .long, help: ArgumentHelp("Take the folder and the settings below from this run config's data section.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Shorter side of the prepared images (default: the config's data.size, else the most common shorter side, at most 256).")
    var size: Int?

    @Option(name: .long, help: ArgumentHelp("Resampling filter: \(ResampleFilter.allCases.map(\.rawValue).joined(separator: ", ")) (default: the config's, else bicubic).", valueName: "name"))
    var resizeFilter: String?

    @Option(name: .long, help: ArgumentHelp("The caption key of a metadata.jsonl dataset (default: the config's, else text).", valueName: "key"))
    var captionColumn: String?

    @Flag(name: .long, help: "Skip bad entries even when more than 1 % are bad.")
    var allowBad = false

    func validate() throws {
        if let size, !(1...RunConfig.Limits.imageSize).contains(size) {
            throw ValidationError("--size must be in 1...\(RunConfig.Limits.imageSize), got \(size)")
        }
        if let resizeFilter, ResampleFilter(rawValue: resizeFilter) == nil {
            throw ValidationError("--resize-filter must be one of \(ResampleFilter.allCases.map(\.rawValue).joined(separator: ", ")), got '\(resizeFilter)'")
        }
        guard folder != nil || config != nil else { throw ValidationError("give a dataset folder or --config FILE") }
    }

    /// The folder and settings, from the arguments over the config's `data` section.
    func resolved() throws -> (folder: URL, size: Int?, filter: ResampleFilter, captionColumn: String, allowBad: Bool) {
        let data = try config.map { try ConfigLoader.load(file: URL(fileURLWithPath: $0)).data }
        let path = folder ?? data?.path ?? "."
        let filterName = resizeFilter ?? data?.resizeFilter ?? ResampleFilter.bicubic.rawValue
        return (URL(fileURLWithPath: path), size ?? data?.size, ResampleFilter(rawValue: filterName) ?? .bicubic,
                captionColumn ?? data?.captionColumn ?? "text", allowBad || data?.allowBadEntries == true)
    }

    /// Loads (and prepares) the dataset, saying on stderr what takes time; Ctrl-C ends it with
    /// exit 130 and nothing written.
    func load() throws -> CaptionedDataset {
        let interrupt = InterruptFlag()
        let settings = try resolved()
        return try exitingOnInterruption { try CaptionedDataset.load(from: settings.folder, size: settings.size, filter: settings.filter,
                                         captionColumn: settings.captionColumn, allowBadEntries: settings.allowBad,
                                         note: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
                                         shouldStop: { interrupt.isRaised }) }
    }
}
