import ArgumentParser
import Datasets
import Foundation

extension DataCommand {
    /// `t2i data prepare`: decode and resize a dataset once into its prepared file.
    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode, resize and pack a dataset's images once into DIR/.t2i-cache, for fast loading.",
            discussion: """
                The training stages do this themselves on first use; run it ahead to see what the \
                dataset holds and how long it takes. The prepared file is reused while the captions, \
                the image files (path, size, modification time) and the settings are unchanged.
                """
        )

        @OptionGroup var dataset: DatasetOptions

        func run() throws {
            let start = ContinuousClock.now
            let loaded = try dataset.load()
            let seconds = secondsSince(start)
            guard let prepared = loaded.prepared else {
                throw ValidationError("\(loaded.folder.path): could not write the prepared file (see above)")
            }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: prepared.url.path))?[.size] as? Int ?? 0
            print("\(prepared.reused ? "up to date" : "prepared"): \(loaded.count) images (\(loaded.report.badCount) bad entries left out), "
                  + "\(loaded.sizeSummary), shorter side \(loaded.size) (\(loaded.filter.rawValue)), captions from "
                  + "\(loaded.convention.rawValue), in \(String(format: "%.2f", seconds)) s")
            print("file: \(prepared.url.path) (\(String(format: "%.1f", Double(bytes) / 1e6)) MB)")
        }
    }
}
