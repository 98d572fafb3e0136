import Foundation
import Imaging
import Testing

/// Issue 15, as a user meets it: a folder of mixed-size PNGs and JPEGs (RGB, grayscale, CMYK,
/// rotated by EXIF) trains the tiny pipeline, captioned as `metadata.jsonl` or as sidecar files;
/// bad images and captions are named on one line, and `--allow-bad` skips them.
@Suite("t2i: training on a folder of one's own images", .serialized)
struct OwnImagesCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let jpegs = root.appendingPathComponent("Tests/Fixtures/jpeg")
    /// Real JPEGs of the fixture set: sizes 24×16 and 17×11, a rotation that makes 16×24.
    static let jpegNames = ["rgb-baseline-24x16", "rgb-progressive-24x16", "gray-24x16", "cmyk-24x16",
                            "ycck-24x16", "orientation-6-24x16", "orientation-3-24x16", "rgb-420-17x11"]

    /// A folder of images with their captions: shapes PNGs at 20 and 24 px (made by `t2i data
    /// shapes`) and the fixture JPEGs three times each; returns (relative file, caption) pairs.
    static func mixedFolder(in scratch: URL) throws -> (folder: URL, items: [(String, String)]) {
        let t2i = try T2IBinary()
        let folder = scratch.appendingPathComponent("photos")
        var items: [(String, String)] = []
        for size in [20, 24] {
            let made = scratch.appendingPathComponent("shapes-\(size)")
            let out = try t2i.run(["data", "shapes", "--out", made.path, "--count", "40", "--size", "\(size)", "--seed", "\(size)"], in: scratch)
            try #require(out.status == 0, "\(out.stderr)")
            let lines = try String(contentsOf: made.appendingPathComponent("captions.jsonl"), encoding: .utf8).split(separator: "\n")
            let sub = folder.appendingPathComponent("shapes\(size)")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            for line in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let file = try #require(object["file"] as? String), text = try #require(object["text"] as? String)
                try FileManager.default.copyItem(at: made.appendingPathComponent(file), to: sub.appendingPathComponent(file))
                items.append(("shapes\(size)/\(file)", text))
            }
        }
        for copy in 0..<3 {
            for name in jpegNames {
                let file = "\(name)-\(copy).jpg"
                try FileManager.default.copyItem(at: jpegs.appendingPathComponent("\(name).jpg"), to: folder.appendingPathComponent(file))
                items.append((file, "a photo of a \(name.split(separator: "-")[0]) test card"))
            }
        }
        return (folder, items)
    }

    /// Trains the three tiny stages for 3 steps each on `folder` and generates one image.
    static func trainAndGenerate(_ folder: URL, in scratch: URL, extra: [String] = []) throws {
        let t2i = try T2IBinary()
        let config = root.appendingPathComponent("Configs/tiny.yaml").path
        let run = scratch.appendingPathComponent("run-\(folder.lastPathComponent)")
        let settings = ["--config", config, "--run", run.path, "--set", "data.kind=folder", "--set", "data.path=\(folder.path)",
                        "--set", "data.crop=random", "--set", "encoder_training.steps=3", "--set", "vae_training.steps=3",
                        "--set", "unet_training.steps=3"] + extra
        for stage in ["train-encoder", "train-ae", "train-unet"] {
            let out = try t2i.run([stage] + settings, in: scratch)
            try #require(out.status == 0, "\(stage): \(out.stderr)")
        }
        let png = scratch.appendingPathComponent("out-\(folder.lastPathComponent).png")
        let out = try t2i.run(["generate", "a photo of a gray test card", "--run", run.path, "--steps", "2", "--out", png.path], in: scratch)
        try #require(out.status == 0, "generate: \(out.stderr)")
        let image = try Image.read(at: png)
        #expect(image.width == 16 && image.height == 16)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".t2i-cache/prepared-16-bicubic.bin").path))
    }

    @Test("metadata.jsonl: mixed sizes and kinds train the tiny config end to end; data info says what it found")
    func metadata() throws {
        let scratch = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (folder, items) = try Self.mixedFolder(in: scratch)
        let lines = items.map { #"{"file_name": \#(Self.quoted($0.0)), "text": \#(Self.quoted($0.1))}"# }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("metadata.jsonl"))
        let info = try T2IBinary().run(["data", "info", folder.path, "--size", "16"], in: scratch)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("captions in: metadata.jsonl (Hugging Face imagefolder"), "\(info.stdout)")
        #expect(info.stdout.contains("images:      104, cropped to 16x16 (104 entries, 0 bad)"), "\(info.stdout)")
        // 20 and 24 px squares → 16×16; 24×16 and 17×11 → 24×16 (⌊16 · 17 / 11⌋ = 24); the EXIF-rotated 16×24.
        #expect(info.stdout.contains("stored:      3 sizes, 16x16 to 24x16; most often 16x16 (80)"), "\(info.stdout)")
        try Self.trainAndGenerate(folder, in: scratch)
    }

    @Test("sidecar .txt files: the same folder trains too")
    func sidecars() throws {
        let scratch = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (folder, items) = try Self.mixedFolder(in: scratch)
        for (file, text) in items {
            let url = folder.appendingPathComponent(file).deletingPathExtension().appendingPathExtension("txt")
            try Data((text + "\n").utf8).write(to: url)
        }
        let info = try T2IBinary().run(["data", "info", folder.path, "--size", "16"], in: scratch)
        #expect(info.stdout.contains("captions in: sidecar caption files"), "\(info.stdout)")
        try Self.trainAndGenerate(folder, in: scratch)
    }

    @Test("bad images and captions: one line naming each kind and file, nothing written; --allow-bad skips them")
    func badEntries() throws {
        let scratch = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = try Data(contentsOf: Self.jpegs.appendingPathComponent("rgb-baseline-24x16.jpg"))
        for i in 0..<20 {
            try good.write(to: folder.appendingPathComponent("good\(i).jpg"))
            try Data("a good photo \(i)".utf8).write(to: folder.appendingPathComponent("good\(i).txt"))
        }
        let bad = [("truncated.jpg", "truncated.jpg"), ("corrupt.jpg", "corrupt.jpg"), ("empty.jpg", "empty.jpg"),
                   ("huge-65000x65000.jpg", "huge.jpg"), ("image.gif", "animation.png")]
        for (fixture, name) in bad {
            try FileManager.default.copyItem(at: Self.jpegs.appendingPathComponent(fixture), to: folder.appendingPathComponent(name))
            try Data("a caption".utf8).write(to: folder.appendingPathComponent((name as NSString).deletingPathExtension + ".txt"))
        }
        try good.write(to: folder.appendingPathComponent("uncaptioned.jpg"))
        try Data("where is my image".utf8).write(to: folder.appendingPathComponent("orphan.caption"))
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()

        let out = try T2IBinary().run(["data", "info", folder.path, "--size", "16"], in: scratch)
        #expect(out.status == 1)
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(out.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.contains("7 of 27 entries are bad"), "\(line)")
        #expect(line.contains("5 unreadable images, 1 image without a caption, 1 caption file without its image"), "\(line)")
        for part in ["animation.png: unreadable image (unsupported image format: GIF", "corrupt.jpg: unreadable image (corrupt JPEG",
                     "empty.jpg: unreadable image (empty file", "huge.jpg: unreadable image (", "65000x65000"] {
            #expect(line.contains(part), "missing \(part): \(line)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before, "a refused dataset changed the folder")
        // data info lists every bad entry, the two beyond the error's first five too.
        let allowed = try T2IBinary().run(["data", "info", folder.path, "--size", "16", "--allow-bad"], in: scratch)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("images:      20, cropped to 16x16 (27 entries, 7 bad)"), "\(allowed.stdout)")
        #expect(allowed.stdout.contains("truncated.jpg: unreadable image (corrupt JPEG"), "\(allowed.stdout)")
    }

    /// A JSON string literal.
    private static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }
}
