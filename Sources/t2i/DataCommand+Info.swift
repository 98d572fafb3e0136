import ArgumentParser
import Datasets
import Diffusion
import Foundation

extension DataCommand {
    /// `t2i data info`: validate a dataset, print its statistics and write a contact sheet.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a dataset and print image count, caption lengths and vocabulary; write a contact sheet."
        )

        @OptionGroup var dataset: DatasetOptions

        @Option(name: .long, help: ArgumentHelp("Where to write the contact sheet (default DIR/contact-sheet.png).", valueName: "file"))
        var sheet: String?

        @Option(name: .long, help: "Images on the contact sheet.")
        var sheetCount: Int = 64

        @Option(name: .long, help: "Columns of the contact sheet.")
        var columns: Int = 8

        @Option(name: .long, help: "Enlargement of each image on the contact sheet (1...16).")
        var scale: Int = 2

        @Option(name: .long, help: "How many of the most frequent words to list.")
        var top: Int = 12

        func validate() throws {
            guard sheetCount >= 1, columns >= 1 else { throw ValidationError("--sheet-count and --columns must be at least 1") }
            guard (1...16).contains(scale) else { throw ValidationError("--scale must be in 1...16, got \(scale)") }
            guard top >= 0 else { throw ValidationError("--top must not be negative, got \(top)") }
        }

        func run() throws {
            if let sheet { try GenerationFiles.checkOther(URL(fileURLWithPath: sheet)) }
            let dataset = try self.dataset.load()
            let url = dataset.folder
            let stats = DatasetStatistics(dataset: dataset, topCount: top)
            let report = dataset.report
            print("dataset:     \(url.path)")
            print("captions in: \(dataset.convention.summary)")
            let sizes = dataset.sizeSummary
            print("images:      \(stats.imageCount), cropped to \(stats.width)x\(stats.height) "
                  + "(\(report.entryCount) entries, \(report.badCount) bad"
                  + (dataset.unlisted > 0 ? ", \(dataset.unlisted) images not listed and left out" : "") + ")")
            print("stored:      \(sizes) after resizing the shorter side to \(dataset.size) (\(dataset.filter.rawValue))")
            if let prepared = dataset.prepared {
                print("prepared:    \(prepared.url.path) (\(prepared.reused ? "reused" : "written now"))")
            }
            if report.badCount > 0 {
                print("bad entries: \(report.countsSummary), left out:")
                for issue in report.issues { print("  \(issue)") }
            }
            let several = dataset.entries.filter { $0.texts.count > 1 }.count
            print("captions:    \(dataset.captionTexts.count) (\(several) images with several), \(stats.distinctCaptions) distinct; words min \(stats.minWords), "
                  + "mean \(String(format: "%.2f", stats.meanWords)), max \(stats.maxWords)")
            print("vocabulary:  \(stats.vocabularySize) words")
            print("top words:   " + stats.topWords.map { "\($0.word) \($0.count)" }.joined(separator: ", "))
            let sheetURL = sheet.map { URL(fileURLWithPath: $0) } ?? url.appendingPathComponent("contact-sheet.png")
            let image = try dataset.contactSheet(count: sheetCount, columns: columns, scale: scale)
            try GenerationFiles.writeOther(image, to: sheetURL, version: T2IVersion.string, ownPlace: sheet == nil)
            print("contact sheet: \(sheetURL.path) (\(min(sheetCount, stats.imageCount)) images)")
        }
    }
}
