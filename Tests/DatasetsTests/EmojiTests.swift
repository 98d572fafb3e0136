import Datasets
import Foundation
import Imaging
import Testing

@Suite("emoji names and importer")
struct EmojiTests {
    /// An excerpt of emoji-test.txt (Unicode 15.0), with its comment lines.
    static let excerpt = """
        # subgroup: face-smiling
        1F600                                                  ; fully-qualified     # 😀 E1.0 grinning face
        263A FE0F                                              ; fully-qualified     # ☺️ E0.6 smiling face
        263A                                                   ; unqualified         # ☺ E0.6 smiling face
        1F44B                                                  ; fully-qualified     # 👋 E0.6 waving hand
        1F44B 1F3FD                                            ; fully-qualified     # 👋🏽 E1.0 waving hand: medium skin tone
        1F468 200D 1F469 200D 1F466                            ; fully-qualified     # 👨‍👩‍👦 E2.0 family: man, woman, boy
        1F3F3 FE0F 200D 1F308                                  ; fully-qualified     # 🏳️‍🌈 E4.0 rainbow flag
        0023 FE0F 20E3                                         ; fully-qualified     # #️⃣ E0.6 keycap: #
        0023 20E3                                              ; unqualified         # #⃣ E0.6 keycap: #
        1F1EF 1F1F5                                            ; fully-qualified     # 🇯🇵 E0.6 flag: Japan
        # Status: not a data line ; nothing # here
        """

    static let names = EmojiNames(emojiTest: excerpt)

    @Test("names by file name: ZWJ sequence, flag, keycap, skin tone, FE0F either way", arguments: [
        ("1f468-200d-1f469-200d-1f466.png", "family: man, woman, boy"),
        ("1F468-1F469-1F466.png", "family: man, woman, boy"),  // EmojiOne's spelling without joiners
        ("1f3f3-fe0f-200d-1f308.png", "rainbow flag"),
        ("1f3f3-200d-1f308.png", "rainbow flag"),
        ("1F3F3-1F308.png", "rainbow flag"),
        ("1f1ef-1f1f5.png", "flag: Japan"),
        ("23-20e3.png", "keycap: #"),  // Twemoji drops zero padding and FE0F
        ("0023-FE0F-20E3.png", "keycap: #"),
        ("0023-20E3.png", "keycap: #"),
        ("1f44b-1f3fd.png", "waving hand: medium skin tone"),
        ("1f44b.png", "waving hand"),
        ("263a.png", "smiling face"),
        ("263a-fe0f.png", "smiling face"),
        ("1F600.png", "grinning face"),
    ])
    func nameMapping(file: String, name: String) {
        #expect(Self.names.name(forFileName: file) == name)
    }

    @Test("unknown and malformed file names have no name")
    func unknownNames() {
        #expect(Self.names.count == 8)  // the qualification variants of one emoji share an entry
        #expect(Self.names.name(forFileName: "1f1e6.png") == nil)  // a lone regional indicator
        #expect(Self.names.name(forFileName: "1f1ef-1f1f6.png") == nil)
        #expect(Self.names.name(forFileName: "hello.png") == nil)
        #expect(EmojiNames.codePoints(fromFileName: "hello.png") == nil)
        #expect(EmojiNames.codePoints(fromFileName: "1f600--1f601.png") == nil)
        #expect(EmojiNames.codePoints(fromFileName: "110000.png") == nil)
        #expect(EmojiNames.codePoints(fromFileName: "0023_fe0f_20e3.png") == [0x23, 0xFE0F, 0x20E3])
        #expect(Self.names.name(forCodePoints: [0x1F44B, 0x1F3FD]) == "waving hand: medium skin tone")
    }

    @Test("skin-tone variants are recognised")
    func skinTones() {
        #expect(EmojiNames.isSkinToneVariant([0x1F44B, 0x1F3FD]))
        #expect(EmojiNames.isSkinToneVariant([0x1F468, 0x1F3FF, 0x200D, 0x1F9B0]))
        #expect(!EmojiNames.isSkinToneVariant([0x1F44B]))
        #expect(!EmojiNames.isSkinToneVariant([0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F466]))
    }

    @Test("a missing or nameless emoji-test.txt is an error naming it")
    func badNameFile() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("nope.txt")
        #expect(throws: DatasetError.readFailed(missing.path, reason: "no such file")) {
            try EmojiNames(contentsOf: missing)
        }
        let empty = folder.appendingPathComponent("empty.txt")
        try Data("# only comments\n".utf8).write(to: empty)
        let error = #expect(throws: DatasetError.noEmojiNames(empty.path)) { try EmojiNames(contentsOf: empty) }
        #expect(error?.description.hasPrefix("\(empty.path): no emoji names found") == true)
    }

    /// A 4×4 RGBA image: left half opaque red, right half fully transparent (any colour).
    static func halfRed() throws -> Image {
        var pixels = [UInt8](repeating: 0, count: 4 * 4 * 4)
        for y in 0..<4 {
            for x in 0..<4 {
                let i = (y * 4 + x) * 4
                pixels[i..<i + 4] = x < 2 ? [255, 0, 0, 255] : [0, 0, 0, 0]
            }
        }
        return try Image(width: 4, height: 4, format: .rgba, pixels: pixels)
    }

    @Test("import: alpha over white, area-averaged, captioned with name and style; skips counted")
    func importer() throws {
        let root = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let tw = root.appendingPathComponent("tw"), eo = root.appendingPathComponent("eo")
        let out = root.appendingPathComponent("out")
        for folder in [tw, eo] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let art = try Self.halfRed()
        for name in ["1f600.png", "23-20e3.png", "1f44b-1f3fd.png", "1f1e6.png", "1f1ef-1f1f5.png"] {
            try art.writePNG(to: tw.appendingPathComponent(name))
        }
        try Data("garbage".utf8).write(to: tw.appendingPathComponent("1f44b.png"))
        try Data("not art".utf8).write(to: tw.appendingPathComponent("README.txt"))
        try art.writePNG(to: eo.appendingPathComponent("1F468-1F469-1F466.png"))

        let importer = try EmojiImporter(names: Self.names, size: 2)
        let summary = try importer.importSources(
            [EmojiSource(style: "twemoji", folder: tw), EmojiSource(style: "emojione", folder: eo)], to: out)
        #expect(summary.sources == [
            EmojiImportSummary.Source(style: "twemoji", imported: 3, skippedSkinTones: 1,
                                      unnamed: ["1f1e6.png"], unreadable: ["1f44b.png"]),
            EmojiImportSummary.Source(style: "emojione", imported: 1, skippedSkinTones: 0, unnamed: [], unreadable: []),
        ])
        #expect(summary.imported == 4)

        let dataset = try CaptionedDataset.load(from: out)
        #expect(dataset.captions == [
            "an emoji of flag: Japan, twemoji style",
            "an emoji of grinning face, twemoji style",
            "an emoji of keycap: #, twemoji style",
            "an emoji of family: man, woman, boy, emojione style",
        ])
        #expect(dataset.entries.map(\.file) == [
            "twemoji-1f1ef-1f1f5.png", "twemoji-1f600.png", "twemoji-0023-20e3.png",
            "emojione-1f468-1f469-1f466.png",
        ])
        // 4×4 → 2×2 by 2×2 means: the left column red, the right column white (transparent over white).
        let image = dataset.image(at: 1)
        #expect(image.width == 2 && image.height == 2)
        #expect(image.pixel(x: 0, y: 0) == [255, 0, 0] && image.pixel(x: 0, y: 1) == [255, 0, 0])
        #expect(image.pixel(x: 1, y: 0) == [255, 255, 255] && image.pixel(x: 1, y: 1) == [255, 255, 255])

        let line = try String(contentsOf: out.appendingPathComponent("captions.jsonl"), encoding: .utf8)
            .split(separator: "\n")[2]
        #expect(line == "{\"file\":\"twemoji-0023-20e3.png\",\"text\":\"an emoji of keycap: #, twemoji style\","
            + "\"style\":\"twemoji\",\"name\":\"keycap: #\",\"codepoints\":\"0023 20E3\"}")

        let withTones = try EmojiImporter(names: Self.names, size: 2, includeSkinTones: true)
        let all = try withTones.importSources([EmojiSource(style: "twemoji", folder: tw)], to: out)
        #expect(all.sources.first?.imported == 4 && all.sources.first?.skippedSkinTones == 0)
        let toned = try CaptionedDataset.load(from: out)
        #expect(toned.captions.contains("an emoji of waving hand: medium skin tone, twemoji style"))
    }

    @Test("area averaging with a non-integer ratio weighs partial pixels")
    func areaAveraging() throws {
        let root = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let src = root.appendingPathComponent("src"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        // 3 wide, 1 high: 0, 90, 180 grey → 2 wide: (0·1 + 90·0.5) / 1.5 = 30, (90·0.5 + 180·1) / 1.5 = 150.
        let pixels: [UInt8] = [0, 0, 0, 90, 90, 90, 180, 180, 180, 0, 0, 0, 90, 90, 90, 180, 180, 180,
                               0, 0, 0, 90, 90, 90, 180, 180, 180]
        try Image(width: 3, height: 3, format: .rgb, pixels: pixels).writePNG(to: src.appendingPathComponent("1f600.png"))
        _ = try EmojiImporter(names: Self.names, size: 2).importSources([EmojiSource(style: "t", folder: src)], to: out)
        let image = try CaptionedDataset.load(from: out).image(at: 0)
        #expect(image.pixel(x: 0, y: 0) == [30, 30, 30] && image.pixel(x: 1, y: 1) == [150, 150, 150])
    }

    @Test("a missing source folder is an error naming it")
    func missingSource() throws {
        let root = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = root.appendingPathComponent("none")
        let importer = try EmojiImporter(names: Self.names)
        let error = #expect(throws: DatasetError.folderNotFound(missing.path)) {
            try importer.importSources([EmojiSource(style: "twemoji", folder: missing)], to: root.appendingPathComponent("o"))
        }
        #expect(error?.description == "\(missing.path): no such folder")
    }

    static let systemNames = URL(fileURLWithPath: "/usr/share/unicode/emoji/emoji-test.txt")

    @Test("the real emoji-test.txt, when unicode-data is installed",
          .enabled(if: FileManager.default.fileExists(atPath: systemNames.path)))
    func systemFile() throws {
        let names = try EmojiNames(contentsOf: Self.systemNames)
        #expect(names.count > 3000)
        #expect(names.name(forFileName: "1f468-200d-1f469-200d-1f466.png") == "family: man, woman, boy")
        #expect(names.name(forFileName: "1f1ef-1f1f5.png") == "flag: Japan")
        #expect(names.name(forFileName: "23-20e3.png") == "keycap: #")
        #expect(names.name(forFileName: "1f44b-1f3fd.png") == "waving hand: medium skin tone")
    }
}
