import Foundation
import Imaging
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

extension CaptionedDataset {
    /// The side used when no size is asked for is the most common shorter side, but at most this.
    public static let maxNativeSize = 256
    /// An image's longer side is kept up to this many times its shorter side (the centre part of
    /// a longer panorama): random crops range over it, and a 1×100 000 image cannot fill memory.
    public static let maxAspect = 4
    /// From this many images on, `note` hears that decoding starts (it takes seconds).
    static let noteThreshold = 1000
    /// The folder, inside a dataset folder, that holds prepared files.
    public static let cacheFolderName = ".t2i-cache"

    /// Reads and validates a dataset folder and makes every image ready for batches: decoded (PNG or
    /// JPEG), composited over white, and resized so that its shorter side is `size` with `filter`,
    /// keeping the aspect ratio (crops come later, per batch).
    ///
    /// Captions come from `captions.jsonl`, `metadata.jsonl` or sidecar files
    /// (``CaptionConvention``). An entry is bad when its line is malformed, its captions are blank,
    /// its file lies outside the folder, is missing or cannot be decoded, or (sidecars) when an image
    /// has no caption file or a caption file no image; bad entries are counted in ``report`` and left
    /// out. Loading fails when more than 1 % of the entries are bad, unless `allowBadEntries`.
    ///
    /// With `prepare`, the result is kept in a prepared file under `folder/.t2i-cache/` (see
    /// ``PreparedDatasetFile``) and mapped from there by later loads while the captions, the image
    /// files (path, size, modification time) and the settings are unchanged; a folder that cannot be
    /// written is loaded without one.
    ///
    /// - Parameters:
    ///   - size: the shorter side of every prepared image; nil for the most common shorter side of
    ///     the dataset's images (at most ``maxNativeSize``).
    ///   - captionColumn: the caption key of `metadata.jsonl`.
    ///   - note: hears what loading does that takes time (decoding 1000 images or more) and a
    ///     prepared file that could not be written.
    ///   - shouldStop: asked before each image (Ctrl-C); a yes ends loading with an `Interruption`.
    /// - Throws: ``DatasetError/captionsNotFound(_:)`` when the folder has neither a caption file nor
    ///   images, ``DatasetError/readFailed(_:reason:)``, ``DatasetError/tooManyBadEntries(folder:report:)``,
    ///   ``DatasetError/noUsableEntries(_:report:)``, ``DatasetError/invalidArgument(_:)`` for a size
    ///   below 1.
    public static func load(from folder: URL, size requestedSize: Int? = nil, filter: ResampleFilter = .bicubic,
                            captionColumn: String = "text", allowBadEntries: Bool = false, prepare: Bool = true,
                            note: ((String) -> Void)? = nil, shouldStop: () -> Bool = { false }) throws -> CaptionedDataset {
        if let requestedSize, requestedSize < 1 {
            throw DatasetError.invalidArgument("a dataset's image size must be at least 1, got \(requestedSize)")
        }
        let listing = try DatasetListing(folder: folder, captionColumn: captionColumn)
        let source = listing.convention.fileName.map { folder.appendingPathComponent($0).path } ?? folder.path
        let key = cacheKey(listing: listing, folder: folder, size: requestedSize, filter: filter)
        let cacheURL = folder.appendingPathComponent(cacheFolderName)
            .appendingPathComponent("prepared-\(requestedSize.map(String.init) ?? "native")-\(filter.rawValue).bin")

        if prepare, let (header, images) = PreparedDatasetFile.read(cacheURL, key: key) {
            try checkTolerance(header.report, folder: folder, allowBadEntries: allowBadEntries)
            return CaptionedDataset(folder: folder, entries: header.entries, size: header.size, filter: filter,
                                    convention: listing.convention, report: header.report, unlisted: listing.unlisted,
                                    prepared: (cacheURL, true), images: images)
        }

        if listing.candidates.count >= noteThreshold { note?("decoding \(listing.candidates.count) images in \(folder.path)") }
        let decoded = try decode(listing.candidates, in: folder, source: listing.convention.fileName, size: requestedSize,
                                 filter: filter, shouldStop: shouldStop)
        let report = DatasetReport(entryCount: listing.entryCount, issues: listing.issues + decoded.issues)
        guard let images = decoded.images, !decoded.entries.isEmpty else {
            throw DatasetError.noUsableEntries(source, report: report)
        }
        try checkTolerance(report, folder: folder, allowBadEntries: allowBadEntries)
        var kept: (url: URL, reused: Bool)?
        if prepare {
            let header = PreparedDatasetFile.Header(
                version: PreparedDatasetFile.version, key: key, size: decoded.size, filter: filter,
                convention: listing.convention, entries: decoded.entries, widths: images.widths, heights: images.heights,
                report: report)
            do {
                try PreparedDatasetFile.write(header, images: images, to: cacheURL)
                kept = (cacheURL, false)
            } catch {
                note?("could not keep the prepared images (\(cacheURL.path): \(FileErrorText.reason(of: error))); "
                      + "the next load decodes them again")
            }
        }
        return CaptionedDataset(folder: folder, entries: decoded.entries, size: decoded.size, filter: filter,
                                convention: listing.convention, report: report, unlisted: listing.unlisted,
                                prepared: kept, images: images)
    }

    /// Refuses a dataset with more than ``tolerableBadPercent`` bad entries unless allowed.
    private static func checkTolerance(_ report: DatasetReport, folder: URL, allowBadEntries: Bool) throws {
        if report.exceeds(percent: tolerableBadPercent) && !allowBadEntries {
            throw DatasetError.tooManyBadEntries(folder: folder.path, report: report)
        }
    }

    /// A digest of everything a prepared file depends on: its format, the settings, the convention,
    /// every entry (file, captions, line, the file's size and modification time) and the issues the
    /// listing found.
    static func cacheKey(listing: DatasetListing, folder: URL, size: Int?, filter: ResampleFilter) -> String {
        var text = "t2i prepared \(PreparedDatasetFile.version)\nsize \(size.map(String.init) ?? "native")\n"
            + "filter \(filter.rawValue)\naspect \(maxAspect)\nconvention \(listing.convention.rawValue)\n"
            + "entries \(listing.entryCount)\n"
        for entry in listing.candidates {
            var info = stat()
            let path = folder.appendingPathComponent(entry.file).path
            let status = stat(path, &info) == 0
                ? "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)" : "unreadable"
            text += "\(entry.line)\u{1}\(entry.file)\u{1}\(status)\u{1}" + entry.texts.joined(separator: "\u{2}") + "\n"
        }
        for issue in listing.issues { text += "issue \(issue.description)\n" }
        return SHA256.hex(Array(text.utf8))
    }

    /// What decoding the candidates gave.
    private struct Decoded {
        var entries: [DatasetEntry] = []
        var issues: [DatasetIssue] = []
        var size = 0
        var images: PreparedImages?
    }

    /// One candidate's outcome.
    private enum Outcome: Sendable {
        case image(Image)
        case bad(DatasetIssue)
        case skipped
    }

    /// Decodes every candidate in parallel (a block of 8 images at a time), resizes each to the
    /// asked size (or, without one, first finds the most common shorter side) and packs them planar.
    private static func decode(_ candidates: [DatasetEntry], in folder: URL, source: String?, size requested: Int?, filter: ResampleFilter,
                               shouldStop: () -> Bool) throws -> Decoded {
        func interrupted() -> Interruption {
            Interruption("interrupted while loading \(folder.path); nothing was changed")
        }
        var size = requested ?? 0
        var kept: [Image?] = []
        if requested == nil {
            // First pass: the sizes. Images small enough to keep are kept for the second pass.
            let sides = Parallel.mapInBlocks(count: candidates.count, blockSize: 8) { i -> (Int?, Image?) in
                guard !shouldStop(), case .image(let image) = read(candidates[i], in: folder, source: source) else { return (nil, nil) }
                return (min(image.width, image.height), max(image.width, image.height) <= 4 * maxNativeSize ? image : nil)
            }
            if shouldStop() { throw interrupted() }
            var counts: [Int: Int] = [:], order: [Int] = []
            for case (let side?, _) in sides {
                if counts[side] == nil { order.append(side) }
                counts[side, default: 0] += 1
            }
            size = min(order.max { counts[$0, default: 0] < counts[$1, default: 0] } ?? 1, maxNativeSize)
            kept = sides.map(\.1)
        }
        let prepared = Parallel.mapInBlocks(count: candidates.count, blockSize: 8) { i -> Outcome in
            guard !shouldStop() else { return .skipped }
            let outcome: Outcome = i < kept.count ? kept[i].map { .image($0) } ?? read(candidates[i], in: folder, source: source) : read(candidates[i], in: folder, source: source)
            guard case .image(let image) = outcome else { return outcome }
            return .image(resizedForCropping(image, to: size, filter: filter))
        }
        if prepared.contains(where: { if case .skipped = $0 { true } else { false } }) { throw interrupted() }

        var result = Decoded()
        result.size = size
        var images: [Image] = []
        for (candidate, outcome) in zip(candidates, prepared) {
            switch outcome {
            case .image(let image):
                result.entries.append(candidate)
                images.append(image)
            case .bad(let issue):
                result.issues.append(issue)
            case .skipped:
                continue
            }
        }
        result.images = PreparedImages(widths: images.map(\.width), heights: images.map(\.height)) { out, offsets in
            packPlanar(images, into: out, offsets: offsets)
        }
        return result
    }

    /// Reads one candidate's image as RGB (alpha composited over white), or says what is wrong.
    private static func read(_ candidate: DatasetEntry, in folder: URL, source: String?) -> Outcome {
        let (file, line) = (candidate.file, candidate.line)
        func issue(_ kind: DatasetIssue.Kind, _ detail: String) -> Outcome {
            .bad(DatasetIssue(kind: kind, line: line, file: file, detail: detail, source: source))
        }
        guard let url = inside(folder, file) else {
            return issue(.outsideFolder, "entries name files inside the dataset folder: no absolute paths, '..' or links out")
        }
        do {
            return .image(try Image.read(at: url, as: .rgb))
        } catch let error as ImagingError {
            if case .fileNotFound = error { return issue(.missingFile, "") }
            return issue(.unreadableImage, reason(of: error, path: url.path))
        } catch {
            return issue(.unreadableImage, "\(error)")
        }
    }

    /// The image resized so that its shorter side is `size` (the longer one `⌊size · long / short⌋`,
    /// as torchvision's `Resize(size)`), after cutting a longer side beyond ``maxAspect`` times the
    /// shorter one down to its centre.
    static func resizedForCropping(_ image: Image, to size: Int, filter: ResampleFilter) -> Image {
        let (w, h) = (image.width, image.height)
        let short = min(w, h)
        var source = image
        if max(w, h) > maxAspect * short {
            let keep = maxAspect * short
            source = w > h ? image.cropped(x: (w - keep) / 2, y: 0, width: keep, height: h)
                           : image.cropped(x: 0, y: (h - keep) / 2, width: w, height: keep)
        }
        let (sw, sh) = (source.width, source.height)
        let long = Int(Double(size) * Double(max(sw, sh)) / Double(short))
        let (outW, outH) = sw <= sh ? (size, max(long, size)) : (max(long, size), size)
        return source.resized(width: outW, height: outH, filter: filter)
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

    /// Packs interleaved RGB images into planar `(3, h, w)` blocks of `out` at `offsets`, in parallel.
    private static func packPlanar(_ images: [Image], into out: UnsafeMutableBufferPointer<UInt8>, offsets: [Int]) {
        Parallel.forEach(range: images.count, blockSize: 64) { range in
            for n in range {
                let base = offsets[n]
                let plane = images[n].width * images[n].height
                images[n].pixels.withUnsafeBufferPointer { src in
                    // src: (h*w, 3)  out[n]: (3, h*w)
                    for p in 0..<plane {
                        out[base + p] = src[p * 3]
                        out[base + plane + p] = src[p * 3 + 1]
                        out[base + 2 * plane + p] = src[p * 3 + 2]
                    }
                }
            }
        }
    }
}
