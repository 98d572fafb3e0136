import Foundation
import Imaging
import TensorCore

/// Where `t2i generate` writes, and how: file names from the prompt and seed, one PNG per image or
/// one grid, each with its `GenerationMetadata` in text chunks.
///
/// PNG bytes are a function of the pixels and the metadata alone (libpng's simplified writer is
/// deterministic and the text chunks go in a fixed order), so the same request gives the same file.
public enum GenerationFiles {
    /// The folder default outputs go to.
    public static let defaultFolder = "outputs"

    /// The prompt as a file-name stem: lower-case ASCII letters and digits, every other run of
    /// characters one "-", at most 60 characters; "image" when nothing is left.
    public static func slug(_ prompt: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in prompt.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                let dash = pendingDash && !out.isEmpty
                if out.unicodeScalars.count + (dash ? 2 : 1) > 60 { break }
                if dash { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return out.isEmpty ? "image" : out
    }

    /// `outputs/<slug>-s<seed><suffix>.png` (the suffix tells e.g. image-to-image results apart).
    public static func defaultOutput(prompt: String, seed: UInt64, suffix: String = "") -> String {
        "\(defaultFolder)/\(slug(prompt))-s\(seed)\(suffix).png"
    }

    /// The default output for `prompt` and `seed` that replaces nothing: `defaultOutput`, or with
    /// `-2`, `-3`, … added to its stem until none of the files a batch of `count` (or its grid,
    /// and `extra` siblings such as a trajectory strip) would write exists. Two prompts that slug
    /// alike, an empty or emoji-only prompt, or a repeated command get their own files.
    public static func unusedOutput(prompt: String, seed: UInt64, suffix: String = "", count: Int, grid: Bool,
                                    extra: [String] = []) -> URL {
        let base = URL(fileURLWithPath: defaultOutput(prompt: prompt, seed: seed, suffix: suffix))
        var candidate = base
        var n = 1
        while (imageFiles(out: candidate, count: count, grid: grid) + extra.map { sibling(of: candidate, suffix: $0) })
            .contains(where: { exists($0) }) {
            n += 1
            candidate = sibling(of: base, suffix: "-\(n)")
        }
        return candidate
    }

    /// Whether anything — a file, folder, link (even a dangling one), FIFO or device — is at `url`.
    static func exists(_ url: URL) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: url.path)) != nil
    }

    /// The text chunk naming the program that wrote a PNG: "t2i <version>" on grids and strips.
    public static let softwareKey = "Software"

    /// Throws unless `url` is free or holds a regular PNG file that t2i generated (a `t2i:prompt`
    /// text chunk, a `parameters` line naming t2i's version, as trajectory strips have, or a
    /// `Software` chunk "t2i …", as grids have): an output never replaces a FIFO, a device, a
    /// folder, a link or anybody else's file.
    public static func checkReplaceable(_ url: URL) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw GenerationOutputError("\(url.path): exists and is not a regular file; t2i writes only new files or PNGs it generated")
        }
        let entries = (try? Image.readPNGText(at: url)) ?? []
        guard entries.contains(where: { $0.key == GenerationMetadata.Key.prompt
                || ($0.key == GenerationMetadata.Key.parameters && $0.value.contains(", Version: t2i "))
                || ($0.key == softwareKey && $0.value.hasPrefix("t2i ")) }) else {
            throw GenerationOutputError("\(url.path): exists and is not an image t2i generated; choose another --out or move it away")
        }
    }

    /// Writes a PNG that is not a generated image (an evaluation grid, a strip, a contact sheet) to
    /// `url`, checked as `checkReplaceable` does, its folder created, with a `Software` chunk naming
    /// t2i `version` so that the next run may replace it. `ownPlace` says `url` is t2i's default
    /// for it (a run's previews, a dataset's contact sheet), where any regular PNG, even one an
    /// older t2i wrote without the chunk, may be replaced; a path the user gave is checked strictly.
    public static func writeOther(_ image: Image, to url: URL, version: String, ownPlace: Bool = false,
                                  text: [PNGTextEntry] = []) throws {
        try checkOther(url, ownPlace: ownPlace)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw GenerationOutputError("\(folder.path): cannot make the folder: \(FileErrorText.reason(of: error))")
        }
        try image.writePNG(to: url, text: text + [(key: softwareKey, value: "t2i \(version)")])
    }

    /// The check of `writeOther`, to run before the work that makes the image.
    public static func checkOther(_ url: URL, ownPlace: Bool = false) throws {
        if ownPlace, let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
           attributes[.type] as? FileAttributeType == .typeRegular, (try? Image.readPNGText(at: url)) != nil {
            return
        }
        try checkReplaceable(url)
    }

    /// `url` with `suffix` added to its stem, keeping the `.png` extension.
    public static func sibling(of url: URL, suffix: String) -> URL {
        let stem = url.pathExtension.lowercased() == "png" ? url.deletingPathExtension() : url
        return stem.deletingLastPathComponent().appendingPathComponent(stem.lastPathComponent + suffix + ".png")
    }

    /// The files of a batch of `count` written to `out`: `out` itself for one image or a grid,
    /// otherwise `<stem>-0.png`, `<stem>-1.png`, ….
    public static func imageFiles(out: URL, count: Int, grid: Bool) -> [URL] {
        if count == 1 || grid { return [out] }
        return (0..<count).map { sibling(of: out, suffix: "-\($0)") }
    }

    /// Columns of a grid of `count` images: ⌈√count⌉, so the layout follows from the count alone.
    public static func gridColumns(_ count: Int) -> Int {
        var columns = 1
        while columns * columns < count { columns += 1 }
        return columns
    }

    /// Images denoised together: a command's memory stays bounded whatever its count.
    public static let batchLimit = 16
    /// Most images one command (or one PNG's `t2i:count`) asks for.
    public static let maxCount = 10_000
    /// Most images in one grid PNG.
    public static let maxGrid = 1024

    /// Throws unless 1 ≤ `count` ≤ `maxCount` (and ≤ `maxGrid` for a grid); `source` names the option or key.
    public static func checkCount(_ count: Int, grid: Bool, source: String) throws {
        let limit = grid ? maxGrid : maxCount
        guard count >= 1, count <= limit else {
            throw GenerationOutputError("\(source): \(count) images; \(grid ? "a grid holds" : "one command makes") 1 to \(limit)")
        }
    }

    /// Writes `images` — images `first`, `first + 1`, … of a batch of `metadata.count` (seeds
    /// `metadata.seed + first`, …) — as separate PNGs, creating folders as needed; returns the
    /// files written. Each file records its own seed, so batches can be written as they finish.
    @discardableResult
    public static func writeSeparate(_ images: [Image], first: Int, metadata: GenerationMetadata, to out: URL) throws -> [URL] {
        precondition(first >= 0 && first + images.count <= metadata.count, "GenerationFiles.writeSeparate: images \(first)..<\(first + images.count) of \(metadata.count)")
        let files = Array(imageFiles(out: out, count: metadata.count, grid: false)[first..<(first + images.count)])
        for file in files { try checkReplaceable(file) }
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        for (i, (image, file)) in zip(images, files).enumerated() {
            try image.writePNG(to: file, text: metadata.image(first + i).textEntries)
        }
        return files
    }

    /// The PNG bytes of `images` — images `first`, `first + 1`, … of a batch of `metadata.count` —
    /// each with its own record: byte for byte the files ``writeSeparate(_:first:metadata:to:)``
    /// writes (what `t2i serve` answers with).
    public static func encodeSeparate(_ images: [Image], first: Int, metadata: GenerationMetadata) throws -> [[UInt8]] {
        try images.enumerated().map { i, image in try image.pngData(text: metadata.image(first + i).textEntries) }
    }

    /// Writes all images of `metadata` (seeds `metadata.seed`, +1, …) as separate PNGs or, with
    /// `grid` and more than one image, as one grid PNG; returns the files written.
    @discardableResult
    public static func write(_ images: [Image], metadata: GenerationMetadata, to out: URL, grid: Bool) throws -> [URL] {
        precondition(images.count == metadata.count, "GenerationFiles.write: \(images.count) images for a record of \(metadata.count)")
        guard grid && images.count > 1 else { return try writeSeparate(images, first: 0, metadata: metadata, to: out) }
        try checkReplaceable(out)
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Image.grid(images, columns: gridColumns(images.count), padding: 2).writePNG(to: out, text: metadata.textEntries)
        return [out]
    }
}

/// `t2i generate` will not write where asked; one line naming the path.
public struct GenerationOutputError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
