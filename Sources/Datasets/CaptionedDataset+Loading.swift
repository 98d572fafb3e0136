import Foundation
import Imaging
import TensorCore

extension CaptionedDataset {
    /// Reads and validates a dataset folder, decoding every image once into the cache.
    ///
    /// Each non-blank line of `captions.jsonl` must be a JSON object with string keys `"file"` (an
    /// image path relative to the folder) and `"text"` (the caption); other keys are allowed and
    /// ignored (DESIGN §5). Images are read as RGB, alpha composited over white. A line is bad when it
    /// is malformed JSON, has an empty caption, names a missing file or an unreadable image, or an
    /// image whose size differs from the most common one; bad lines are counted in ``report`` and left
    /// out. Loading fails when more than 1 % of the lines are bad, unless `allowBadEntries` is true.
    ///
    /// - Throws: ``DatasetError/captionsNotFound(_:)`` when the folder has no `captions.jsonl`,
    ///   ``DatasetError/readFailed(_:reason:)`` when it cannot be read,
    ///   ``DatasetError/tooManyBadEntries(folder:report:)`` (one line with the counts per kind and the
    ///   first few bad lines), ``DatasetError/noUsableEntries(_:report:)`` when nothing is left.
    ///   `shouldStop` (Ctrl-C) is asked before each image; a yes ends loading with an `Interruption`.
    public static func load(from folder: URL, allowBadEntries: Bool = false,
                            shouldStop: () -> Bool = { false }) throws -> CaptionedDataset {
        let captionsURL = folder.appendingPathComponent(captionsFileName)
        let lines = try readLines(of: captionsURL)

        // Parse, check and decode each line independently, in parallel; order is kept by index.
        let outcomes = Parallel.mapInBlocks(count: lines.count, blockSize: 64) { i in
            shouldStop() ? .skipped : examine(lines[i].text, line: lines[i].number, folder: folder)
        }
        if outcomes.contains(where: { if case .skipped = $0 { true } else { false } }) {
            throw Interruption("interrupted while loading \(folder.path); nothing was changed")
        }

        // The dataset's size is the most common decoded size (ties: the earliest seen).
        var sizeCounts: [Size: Int] = [:]
        var firstSeen: [Size] = []
        for case .decoded(_, let image) in outcomes {
            let size = Size(width: image.width, height: image.height)
            if sizeCounts[size] == nil { firstSeen.append(size) }
            sizeCounts[size, default: 0] += 1
        }
        let common = firstSeen.max { sizeCounts[$0, default: 0] < sizeCounts[$1, default: 0] }

        var issues: [DatasetIssue] = []
        var entries: [DatasetEntry] = []
        var images: [Image] = []
        for outcome in outcomes {
            switch outcome {
            case .bad(let issue):
                issues.append(issue)
            case .skipped:
                continue
            case .decoded(let entry, let image):
                if let common, image.width != common.width || image.height != common.height {
                    issues.append(DatasetIssue(
                        kind: .wrongSize, line: entry.line, file: entry.file,
                        detail: "\(image.width)x\(image.height), the dataset's images are \(common.width)x\(common.height)"))
                } else {
                    entries.append(entry)
                    images.append(image)
                }
            }
        }
        let report = DatasetReport(entryCount: lines.count, issues: issues)
        guard let common, !entries.isEmpty else {
            throw DatasetError.noUsableEntries(captionsURL.path, report: report)
        }
        if report.exceeds(percent: tolerableBadPercent) && !allowBadEntries {
            throw DatasetError.tooManyBadEntries(folder: folder.path, report: report)
        }
        let pixels = packPlanar(images, width: common.width, height: common.height)
        return CaptionedDataset(folder: folder, entries: entries, width: common.width, height: common.height,
                                report: report, pixels: pixels)
    }

    /// What examining one line gave: its entry and decoded image, or what is wrong with it.
    private enum Outcome: Sendable {
        case decoded(DatasetEntry, Image)
        case bad(DatasetIssue)
        case skipped
    }

    /// An image size, as a dictionary key.
    private struct Size: Hashable {
        let width: Int
        let height: Int
    }

    /// The non-blank lines of the caption file, numbered from 1.
    private static func readLines(of url: URL) throws -> [CaptionsLine.Numbered] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DatasetError.captionsNotFound(url.path)
        }
        guard !isDirectory.boolValue else {
            throw DatasetError.readFailed(url.path, reason: "it is a directory")
        }
        // A FIFO or device would block or never end: only a regular file (or a link to one) is read.
        guard (try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType == .typeRegular else {
            throw DatasetError.readFailed(url.path, reason: "not a regular file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DatasetError.readFailed(url.path, reason: FileErrorText.reason(of: error))
        }
        return CaptionsLine.lines(of: data)
    }

    /// Parses one line and decodes its image, or says what is wrong with it.
    private static func examine(_ text: String, line: Int, folder: URL) -> Outcome {
        let file: String, caption: String
        switch CaptionsLine.parse(text, line: line) {
        case .failure(let issue): return .bad(issue)
        case .success(let parsed): (file, caption) = (parsed.file, parsed.text)
        }
        guard let url = inside(folder, file) else {
            return .bad(DatasetIssue(kind: .outsideFolder, line: line, file: file,
                                     detail: "entries name files inside the dataset folder: no absolute paths, '..' or links out"))
        }
        do {
            let image = try Image.readPNG(at: url, as: .rgb)
            return .decoded(DatasetEntry(file: file, text: caption, line: line), image)
        } catch let error as ImagingError {
            if case .fileNotFound = error {
                return .bad(DatasetIssue(kind: .missingFile, line: line, file: file, detail: ""))
            }
            return .bad(DatasetIssue(kind: .unreadableImage, line: line, file: file,
                                         detail: reason(of: error, path: url.path)))
        } catch {
            return .bad(DatasetIssue(kind: .unreadableImage, line: line, file: file, detail: "\(error)"))
        }
    }

    /// `folder/file` when it stays inside `folder` after resolving `..` and symbolic links, else nil.
    public static func inside(_ folder: URL, _ file: String) -> URL? {
        guard !file.hasPrefix("/") else { return nil }
        let root = folder.resolvingSymlinksInPath().standardizedFileURL.path
        let url = folder.appendingPathComponent(file)
        let resolved = url.resolvingSymlinksInPath().standardizedFileURL.path
        return resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") ? url : nil
    }

    /// The error's text without the leading path (the issue names the file already).
    private static func reason(of error: ImagingError, path: String) -> String {
        let text = error.description
        return text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }

    /// Packs interleaved RGB images into one `(N, 3, H, W)` byte array, in parallel.
    private static func packPlanar(_ images: [Image], width: Int, height: Int) -> [UInt8] {
        let plane = width * height
        var pixels = [UInt8](repeating: 0, count: images.count * 3 * plane)
        pixels.withUnsafeMutableBufferPointer { buffer in
            let out = buffer
            Parallel.forEach(range: images.count, blockSize: 256) { range in
                for n in range {
                    let base = n * 3 * plane
                    images[n].pixels.withUnsafeBufferPointer { src in
                        // src: (H*W, 3)  out[n]: (3, H*W)
                        for p in 0..<plane {
                            out[base + p] = src[p * 3]
                            out[base + plane + p] = src[p * 3 + 1]
                            out[base + 2 * plane + p] = src[p * 3 + 2]
                        }
                    }
                }
            }
        }
        return pixels
    }
}
