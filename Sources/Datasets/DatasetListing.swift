import Foundation
import TensorCore

/// What a dataset folder's captions say, before any image is decoded: the entries to decode and
/// the bad ones found so far (DESIGN §5), in one of the ``CaptionConvention``s.
struct DatasetListing: Sendable {
    /// The convention found.
    let convention: CaptionConvention
    /// The entries whose images are still to be decoded, in caption-file (or file-name) order.
    let candidates: [DatasetEntry]
    /// Bad entries found while listing.
    let issues: [DatasetIssue]
    /// Entries read: non-blank caption-file lines, or images plus caption files without an image.
    let entryCount: Int
    /// Images in the folder that a JSON caption file does not name (left out, not bad).
    let unlisted: Int

    /// The file extensions read as images (any case).
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]
    /// The file `t2i data info` writes into a dataset folder by default.
    static let contactSheetName = "contact-sheet.png"
    /// The sidecar caption extensions, in the order they are looked for.
    static let captionExtensions = ["txt", "caption"]

    /// Lists `folder` in the convention its files call for.
    ///
    /// - Parameter captionColumn: the caption key of `metadata.jsonl` (`captions.jsonl` always uses
    ///   `"text"`).
    /// - Throws: ``DatasetError/folderNotFound(_:)``, ``DatasetError/readFailed(_:reason:)``, and
    ///   ``DatasetError/captionsNotFound(_:)`` when the folder holds neither a caption file nor images.
    init(folder: URL, captionColumn: String = "text") throws {
        convention = try CaptionConvention.detect(in: folder)
        switch convention {
        case .captionsJSONL, .metadataJSONL:
            let name = convention.fileName!
            let lines = try Self.readLines(of: folder.appendingPathComponent(name))
            let (fileKey, textKey) = convention == .captionsJSONL ? ("file", "text") : ("file_name", captionColumn)
            var candidates: [DatasetEntry] = [], issues: [DatasetIssue] = []
            for line in lines {
                switch CaptionsLine.parse(line.text, line: line.number, fileKey: fileKey, textKey: textKey, source: name) {
                case .failure(let issue): issues.append(issue)
                case .success(let parsed):
                    candidates.append(DatasetEntry(file: parsed.file, texts: parsed.texts, line: line.number))
                }
            }
            self.candidates = candidates
            self.issues = issues
            entryCount = lines.count
            let listed = Set(candidates.map { Self.normalised($0.file) })
            unlisted = try Self.files(in: folder).images.filter { !listed.contains($0) && $0 != Self.contactSheetName }.count
        case .sidecar:
            let found = try Self.files(in: folder)
            guard !found.images.isEmpty || !found.captions.isEmpty else {
                throw DatasetError.captionsNotFound(folder.appendingPathComponent(CaptionedDataset.captionsFileName).path)
            }
            var candidates: [DatasetEntry] = [], issues: [DatasetIssue] = []
            let stems = Set(found.images.map(Self.stem))
            // `t2i data info`'s contact sheet, written into the folder, is not a training image.
            for image in found.images where !(image == Self.contactSheetName && !found.captions.contains { Self.stem($0) == "contact-sheet" }) {
                let sidecars = Self.captionExtensions.map { Self.stem(image) + "." + $0 }.filter(found.captions.contains)
                guard let sidecar = sidecars.first else {
                    issues.append(DatasetIssue(kind: .uncaptionedImage, line: 0, file: image,
                                               detail: "no \(Self.stem(image)).txt or .caption beside it"))
                    continue
                }
                let url = folder.appendingPathComponent(sidecar)
                guard let data = try? Data(contentsOf: url) else {
                    issues.append(DatasetIssue(kind: .uncaptionedImage, line: 0, file: image, detail: "cannot read \(sidecar)"))
                    continue
                }
                let texts = CaptionsLine.lines(of: data).map { $0.text.trimmingCharacters(in: .whitespaces) }
                guard !texts.isEmpty else {
                    issues.append(DatasetIssue(kind: .emptyCaption, line: 0, file: image, detail: "\(sidecar) is blank"))
                    continue
                }
                candidates.append(DatasetEntry(file: image, texts: texts, line: 0))
            }
            // A caption file counts as an orphan when no image has its name; NAME.txt beside
            // NAME.caption with one image is not an orphan (the .txt is read).
            for caption in found.captions where !stems.contains(Self.stem(caption)) {
                issues.append(DatasetIssue(kind: .orphanCaption, line: 0, file: caption,
                                           detail: "no \(Self.stem(caption)).png, .jpg or .jpeg beside it"))
            }
            self.candidates = candidates
            self.issues = issues
            entryCount = found.images.filter { $0 != Self.contactSheetName }.count + found.captions.filter { !stems.contains(Self.stem($0)) }.count
            unlisted = 0
        }
    }

    /// The non-blank lines of a caption file, numbered from 1.
    static func readLines(of url: URL) throws -> [CaptionsLine.Numbered] {
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

    /// The image and sidecar caption files under `folder` (relative paths, sorted by their UTF-8
    /// bytes), skipping hidden files and folders (t2i's own `.t2i-cache` among them).
    static func files(in folder: URL) throws -> (images: [String], captions: Set<String>) {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw DatasetError.readFailed(folder.path, reason: "cannot list the folder")
        }
        let root = folder.standardizedFileURL.path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        var images: [String] = [], captions: Set<String> = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            let relative = String(path.dropFirst(prefix.count))
            let ext = url.pathExtension.lowercased()
            if imageExtensions.contains(ext) {
                images.append(relative)
            } else if captionExtensions.contains(ext) {
                captions.insert(relative)
            }
        }
        images.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return (images, captions)
    }

    /// A relative path without its extension.
    static func stem(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path }
        return String(path[..<dot])
    }

    /// A listed path in the form ``files(in:)`` returns (no "./", no doubled slashes).
    static func normalised(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}
