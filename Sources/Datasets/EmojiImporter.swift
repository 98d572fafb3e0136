import Foundation
import Imaging
import TensorCore

/// Turns folders of emoji art into one captioned dataset (DESIGN §5, importer `emoji`).
///
/// Each PNG named by code points gets its Unicode name from ``EmojiNames`` and the caption
/// "an emoji of {name}, {style} style" (for example "an emoji of grinning face, twemoji style").
/// Its alpha is composited over white, then it is downscaled to S×S by area averaging and written as
/// `{style}-{code points}.png`. Files with no name are counted and skipped; skin-tone variants are
/// skipped unless asked for, since they multiply each person emoji by five.
public struct EmojiImporter: Sendable {
    /// Files per parallel block.
    static let blockSize = 32

    /// The name table.
    public let names: EmojiNames
    /// The output side S in pixels; nil keeps each source's own size (the loader resizes later).
    public let size: Int?
    /// Whether skin-tone variants are imported too.
    public let includeSkinTones: Bool

    /// Creates an importer.
    ///
    /// - Throws: ``DatasetError/invalidArgument(_:)`` when `size` is outside 1…4096.
    public init(names: EmojiNames, size: Int? = 32, includeSkinTones: Bool = false) throws {
        if let size, !(1...4096).contains(size) {
            throw DatasetError.invalidArgument("emoji size must be in 1...4096, got \(size)")
        }
        self.names = names
        self.size = size
        self.includeSkinTones = includeSkinTones
    }

    /// The caption of an emoji: "an emoji of {name}, {style} style".
    public static func caption(name: String, style: String) -> String {
        "an emoji of \(name), \(style) style"
    }

    /// Imports every source into `folder` (created if needed) and writes its `captions.jsonl`, whose
    /// lines also carry `"style"`, `"name"` and `"codepoints"` (as in `emoji-test.txt`).
    ///
    /// Sources are taken in the given order, files in name order, so the output is deterministic.
    /// - Throws: ``DatasetError/folderNotFound(_:)`` or ``DatasetError/readFailed(_:reason:)`` for a
    ///   source folder, ``DatasetError/invalidArgument(_:)`` for an empty or repeated style,
    ///   ``DatasetError/writeFailed(_:reason:)`` naming the first output that could not be written.
    ///
    /// `shouldStop` (Ctrl-C) is asked before each file: once it says yes, no more are converted,
    /// the images this call wrote are removed (and the folder, if this call made it), no
    /// `captions.jsonl` is written, and ``DatasetError/interrupted(_:removed:)`` is thrown.
    public func importSources(_ sources: [EmojiSource], to folder: URL, shouldStop: () -> Bool = { false }) throws -> EmojiImportSummary {
        let styles = sources.map(\.style)
        if let bad = styles.first(where: { $0.isEmpty || $0.contains("/") }) {
            throw DatasetError.invalidArgument("emoji style must be a non-empty word without '/', got \"\(bad)\"")
        }
        guard Set(styles).count == styles.count else {
            throw DatasetError.invalidArgument("emoji styles must differ, got \(styles.joined(separator: ", "))")
        }
        let created = !FileManager.default.fileExists(atPath: folder.path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw DatasetError.writeFailed(folder.path, reason: error.localizedDescription)
        }
        var lines: [String] = []
        var summaries: [EmojiImportSummary.Source] = []
        var written: [String] = []
        for source in sources {
            let (summary, sourceLines, files, stopped) = try importSource(source, to: folder, shouldStop: shouldStop)
            written += files
            if stopped {
                for file in written { _ = unlink(folder.appendingPathComponent(file).path) }
                if created { try? FileManager.default.removeItem(at: folder) }
                throw DatasetError.interrupted(folder.path, removed: written.count)
            }
            summaries.append(summary)
            lines += sourceLines
        }
        try CaptionsFile.write(lines: lines, to: folder)
        return EmojiImportSummary(sources: summaries)
    }

    /// One file to import: its source name, code points and Unicode name.
    private struct Job: Sendable {
        let fileName: String
        let codePoints: [UInt32]
        let name: String
    }

    /// What became of one job.
    private enum Outcome: Sendable {
        case written(line: String, file: String)
        case unreadable
        case failed(DatasetError)
        case skipped
    }

    /// Converts one source; returns its summary, caption lines, the files written, and whether
    /// `shouldStop` cut it short (then the lines are incomplete and the files are to be removed).
    private func importSource(_ source: EmojiSource, to folder: URL, shouldStop: () -> Bool)
        throws -> (EmojiImportSummary.Source, [String], files: [String], stopped: Bool) {
        let files = try Self.pngFiles(in: source.folder)
        var jobs: [Job] = []
        var unnamed: [String] = []
        var skinTones = 0
        for file in files {
            guard let codePoints = EmojiNames.codePoints(fromFileName: file),
                  let name = names.name(forCodePoints: codePoints) else {
                unnamed.append(file)
                continue
            }
            if !includeSkinTones && EmojiNames.isSkinToneVariant(codePoints) {
                skinTones += 1
                continue
            }
            jobs.append(Job(fileName: file, codePoints: codePoints, name: name))
        }
        let importer = self
        let work = jobs
        let outcomes = Parallel.mapInBlocks(count: work.count, blockSize: Self.blockSize) { i in
            shouldStop() ? .skipped : importer.convert(work[i], source: source, to: folder)
        }
        var lines: [String] = [], written: [String] = []
        var unreadable: [String] = []
        var stopped = false
        var failure: DatasetError?
        for (job, outcome) in zip(jobs, outcomes) {
            switch outcome {
            case .written(let line, let file): lines.append(line); written.append(file)
            case .unreadable: unreadable.append(job.fileName)
            case .failed(let error): failure = failure ?? error
            case .skipped: stopped = true
            }
        }
        if let failure, !stopped { throw failure }
        let summary = EmojiImportSummary.Source(style: source.style, imported: lines.count, skippedSkinTones: skinTones,
                                                unnamed: unnamed, unreadable: unreadable)
        return (summary, lines, written, stopped)
    }

    /// Reads, composites, downscales and writes one emoji; returns its caption line.
    private func convert(_ job: Job, source: EmojiSource, to folder: URL) -> Outcome {
        let image: Image
        do {
            // Reading as RGB composites alpha over white (DESIGN §5) before averaging, which is the
            // same as averaging premultiplied colour: transparent pixels count as white.
            image = try Image.readPNG(at: source.folder.appendingPathComponent(job.fileName), as: .rgb)
        } catch {
            return .unreadable
        }
        let small = size.map { image.width == $0 && image.height == $0 ? image : image.areaAveraged(width: $0, height: $0) } ?? image
        let hex = job.codePoints.map { Self.hex($0) }
        let outName = "\(source.style)-\(hex.joined(separator: "-")).png"
        let url = folder.appendingPathComponent(outName)
        let caption = Self.caption(name: job.name, style: source.style)
        do {
            try AtomicFile.write(try small.pngData(text: [(key: "Description", value: caption)]), to: url)
        } catch let error as FileWriteError {
            return .failed(.writeFailed(url.path, reason: error.reason))
        } catch {
            return .failed(.writeFailed(url.path, reason: "\(error)"))
        }
        let codePoints = hex.map { $0.uppercased() }.joined(separator: " ")
        return .written(line: CaptionsLine.make(file: outName, text: caption, extra: [
            (key: "style", json: JSONString.quoted(source.style)),
            (key: "name", json: JSONString.quoted(job.name)),
            (key: "codepoints", json: JSONString.quoted(codePoints)),
        ]), file: outName)
    }

    /// A code point as lowercase hex of at least 4 digits, as `emoji-test.txt` writes them.
    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The `.png` files of a folder (following a symbolic link to it), sorted by name.
    private static func pngFiles(in folder: URL) throws -> [String] {
        let path = folder.resolvingSymlinksInPath().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError.folderNotFound(folder.path)
        }
        guard isDirectory.boolValue else {
            throw DatasetError.readFailed(folder.path, reason: "not a folder")
        }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { $0.lowercased().hasSuffix(".png") }
                .sorted()
        } catch {
            throw DatasetError.readFailed(folder.path, reason: error.localizedDescription)
        }
    }
}
