import Foundation
import Imaging
import Testing

/// JPEG decoding against Pillow, the errors for bad files, and the content-sniffing reader.
///
/// Tests/Fixtures/jpeg is written by `scripts/make_fixtures.py jpeg` (scripts/fixtures/jpeg.py):
/// each good JPEG has a `.rgb` file beside it with what Pillow decodes it to,
/// `ImageOps.exif_transpose(Image.open(f)).convert("RGB")`. Pillow 13 links libjpeg-turbo 3.2, t2i
/// the system's 2.1.5; measured maximum difference per fixture, every channel of every pixel: 0 for
/// all 17 good fixtures (baseline, progressive, gray, CMYK with and without the Adobe marker, YCCK,
/// 4:2:0, 4:2:2, 4:4:4, EXIF orientations 2–8 and big-endian 6). The tests allow 1 level, for other
/// libjpeg builds.
@Suite struct JPEGTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/jpeg", isDirectory: true)

    struct Manifest: Decodable {
        struct Good: Decodable {
            let file: String
            let pixels: String
            let width: Int
            let height: Int
            let source: String
        }
        let good: [Good]
        let bad: [String]
    }

    /// The fixture list; a missing or thin folder fails the test that asks for it.
    static func manifest() throws -> Manifest {
        let data = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        try #require(manifest.good.count >= 17, "Tests/Fixtures/jpeg lists \(manifest.good.count) good JPEGs")
        return manifest
    }

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// The largest absolute difference between two equally long byte arrays.
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    // MARK: Good files against Pillow

    @Test("every good fixture decodes to Pillow's pixels within 1 level")
    func goodFixtures() throws {
        let manifest = try Self.manifest()
        var report: [String] = []
        for good in manifest.good {
            let url = Self.url(good.file)
            let expected = [UInt8](try Data(contentsOf: Self.url(good.pixels)))
            try #require(expected.count == good.width * good.height * 3, "\(good.pixels) size")
            let image = try Image.readJPEG(at: url)
            #expect(image.format == .rgb)
            #expect(image.width == good.width && image.height == good.height,
                    "\(good.file): \(image.width)x\(image.height), Pillow \(good.width)x\(good.height)")
            guard image.pixels.count == expected.count else { continue }
            let difference = Self.maxDifference(image.pixels, expected)
            #expect(difference <= 1, "\(good.file) (\(good.source)): max difference \(difference) from Pillow")
            report.append("\(good.file): \(difference)")
            // The generic reader gives the same image, and RGBA is the same colour with alpha 255.
            #expect(try Image.read(at: url) == image, "\(good.file) through Image.read")
            let rgba = try Image.readJPEG(at: url, as: .rgba)
            #expect(rgba.format == .rgba && rgba.converted(to: .rgb) == image)
            #expect(stride(from: 3, to: rgba.pixels.count, by: 4).allSatisfy { rgba.pixels[$0] == 255 })
        }
        print("JPEG max difference from Pillow per fixture: " + report.joined(separator: ", "))
    }

    @Test("orientations 5 to 8 swap the sides; the big-endian tag reads like the little-endian one")
    func orientationFixtures() throws {
        let upright = try Image.readJPEG(at: Self.url("rgb-baseline-24x16.jpg"))
        for value in 2...8 {
            let image = try Image.readJPEG(at: Self.url("orientation-\(value)-24x16.jpg"))
            let swapped = value >= 5
            #expect(image.width == (swapped ? 16 : 24) && image.height == (swapped ? 24 : 16), "orientation \(value)")
            // Same compressed content, so exactly the baseline's pixels, moved.
            let orientation = try #require(EXIFOrientation(rawValue: value))
            #expect(image == upright.oriented(orientation), "orientation \(value)")
        }
        let bigEndian = try Image.readJPEG(at: Self.url("orientation-6-big-endian-24x16.jpg"))
        #expect(bigEndian == (try Image.readJPEG(at: Self.url("orientation-6-24x16.jpg"))))
    }

    @Test("every file in the fixture folder is a tested good or bad case")
    func everyFixtureIsTested() throws {
        let manifest = try Self.manifest()
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder.path))
        let known = Set(manifest.good.flatMap { [$0.file, $0.pixels] } + manifest.bad + ["manifest.json"])
        #expect(names == known, "untested: \(names.subtracting(known).sorted()), missing: \(known.subtracting(names).sorted())")
        #expect(Set(manifest.bad) == Set(Self.badCases.map(\.file)))
    }

    // MARK: Bad files

    /// Each bad fixture and the line `Image.read` gives for it (after "PATH: ").
    static let badCases: [(file: String, error: @Sendable (String) -> ImagingError, text: String)] = [
        ("truncated.jpg", { .corruptJPEG($0, reason: "libjpeg: Premature end of JPEG file") },
         "corrupt JPEG: libjpeg: Premature end of JPEG file"),
        ("corrupt.jpg", { .corruptJPEG($0, reason: "libjpeg: Corrupt JPEG data: bad Huffman code") },
         "corrupt JPEG: libjpeg: Corrupt JPEG data: bad Huffman code"),
        ("empty.jpg", { .emptyFile($0) }, "empty file (0 bytes; expected a PNG or JPEG image)"),
        ("huge-65000x65000.jpg",
         { .unsupportedJPEG($0, reason: "65000x65000 pixels is more than the limit of 268435456") },
         "unsupported JPEG: 65000x65000 pixels is more than the limit of 268435456"),
        ("many-scans-24x16.jpg", { .unsupportedJPEG($0, reason: "more than 100 progressive scans") },
         "unsupported JPEG: more than 100 progressive scans"),
        ("image.gif", { .unsupportedFormat($0, format: "GIF") },
         "unsupported image format: GIF (t2i reads PNG and JPEG)"),
        ("image.bmp", { .unsupportedFormat($0, format: "BMP") },
         "unsupported image format: BMP (t2i reads PNG and JPEG)"),
        ("image.webp", { .unsupportedFormat($0, format: "WebP") },
         "unsupported image format: WebP (t2i reads PNG and JPEG)"),
    ]

    @Test("each bad fixture gives its exact one-line error naming the file")
    func badFixtures() throws {
        _ = try Self.manifest()
        for bad in Self.badCases {
            let url = Self.url(bad.file)
            try #require(FileManager.default.fileExists(atPath: url.path), "fixture \(bad.file) is missing")
            let error = #expect(throws: ImagingError.self, "\(bad.file)") { try Image.read(at: url) }
            #expect(error == bad.error(url.path), "\(bad.file): \(String(describing: error))")
            #expect(error?.description == "\(url.path): \(bad.text)")
            #expect(error?.path == url.path)
            #expect(error?.description.contains("\n") == false)
            // readJPEG gives the same error for the JPEGs, and "not a JPEG" for the other formats.
            let jpegError = #expect(throws: ImagingError.self) { try Image.readJPEG(at: url) }
            if case .unsupportedFormat = bad.error(url.path) {
                #expect(jpegError == .notJPEG(url.path))
                #expect(jpegError?.description == "\(url.path): not a JPEG file (it does not start with the marker FF D8 FF)")
            } else {
                #expect(jpegError == bad.error(url.path))
            }
        }
    }

    @Test("a JPEG cut anywhere, or with any byte of its scan damaged, is an error or an image, never a trap")
    func everyTruncationAndDamage() throws {
        let baseline = [UInt8](try Data(contentsOf: Self.url("rgb-baseline-24x16.jpg")))
        for length in 0..<baseline.count {
            #expect(throws: ImagingError.self, "cut at \(length)") {
                try Image(jpegData: Array(baseline.prefix(length)), name: "cut.jpg")
            }
        }
        for offset in stride(from: 0, to: baseline.count, by: 3) {
            var damaged = baseline
            damaged[offset] ^= 0x5A
            if let image = try? Image(jpegData: damaged, name: "damaged.jpg") {
                #expect(image.pixels.count == image.width * image.height * 3)
            }
        }
    }

    @Test("a JPEG cut just before its EOI marker is refused as truncated")
    func missingEndMarker() throws {
        let baseline = [UInt8](try Data(contentsOf: Self.url("rgb-baseline-24x16.jpg")))
        #expect(throws: ImagingError.corruptJPEG("cut.jpg", reason: "libjpeg: Premature end of JPEG file")) {
            try Image(jpegData: Array(baseline.dropLast(2)), name: "cut.jpg")
        }
        // Bytes after EOI are ignored, as libjpeg and Pillow ignore them.
        let padded = try Image(jpegData: baseline + [0, 1, 2, 3], name: "padded.jpg")
        #expect(padded == (try Image(jpegData: baseline, name: "plain.jpg")))
    }

    // MARK: The generic reader

    @Test("Image.read goes by content, not by extension")
    func readSniffsContent() throws {
        let jpegBytes = try Data(contentsOf: Self.url("rgb-baseline-24x16.jpg"))
        let jpeg = try Image.readJPEG(at: Self.url("rgb-baseline-24x16.jpg"))
        let png = try Image(width: 3, height: 2, format: .rgba, pixels: (0..<24).map { UInt8($0 * 10) })
        try withTemporaryDirectory { dir in
            let pngNamedJPG = dir.appendingPathComponent("photo.jpg")
            try png.writePNG(to: pngNamedJPG)
            #expect(try Image.read(at: pngNamedJPG) == png.converted(to: .rgb))  // composited over white
            #expect(try Image.read(at: pngNamedJPG, as: .rgba) == png)
            #expect(throws: ImagingError.notJPEG(pngNamedJPG.path)) { try Image.readJPEG(at: pngNamedJPG) }

            let jpegNamedPNG = dir.appendingPathComponent("picture.png")
            try jpegBytes.write(to: jpegNamedPNG)
            #expect(try Image.read(at: jpegNamedPNG) == jpeg)
            #expect(throws: ImagingError.notPNG(jpegNamedPNG.path)) { try Image.readPNG(at: jpegNamedPNG) }

            let noExtension = dir.appendingPathComponent("image")
            try jpegBytes.write(to: noExtension)
            #expect(try Image.read(at: noExtension) == jpeg)
        }
    }

    @Test("Image.read names the format it recognised")
    func readNamesOtherFormats() throws {
        func ftyp(_ major: String, _ compatible: [String]) -> [UInt8] {
            let brands = Array(major.utf8) + [0, 0, 0, 0] + compatible.flatMap { Array($0.utf8) }
            let size = 8 + brands.count
            return [0, 0, 0, UInt8(size)] + Array("ftyp".utf8) + brands + [0, 0, 0, 8] + Array("meta".utf8)
        }
        let cases: [(bytes: [UInt8], format: String)] = [
            (Array("GIF89a".utf8) + [1, 0, 1, 0], "GIF"),
            (Array("GIF87a".utf8), "GIF"),
            (Array("BM".utf8) + [UInt8](repeating: 0, count: 40), "BMP"),
            (Array("RIFF".utf8) + [20, 0, 0, 0] + Array("WEBPVP8 ".utf8), "WebP"),
            (Array("II".utf8) + [42, 0, 8, 0, 0, 0], "TIFF"),
            (Array("MM".utf8) + [0, 42, 0, 0, 0, 8], "TIFF"),
            (Array("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8), "SVG"),
            ([0xEF, 0xBB, 0xBF] + Array("\n <?xml version=\"1.0\"?>\n<svg>".utf8), "SVG"),
            (Array("<?xml version=\"1.0\"?><plist/>".utf8), "XML"),
            (ftyp("avif", ["mif1", "miaf"]), "AVIF"),
            (ftyp("mif1", ["avif"]), "AVIF"),
            (ftyp("heic", ["mif1", "heic"]), "HEIF"),
            (ftyp("isom", ["mp41"]), "ISO media (not an image t2i reads)"),
            (Array("%PDF-1.7".utf8), "PDF"),
            ([0x00, 0x00, 0x00, 0x0C] + Array("jP  ".utf8) + [0x0D, 0x0A, 0x87, 0x0A], "JPEG 2000"),
            ([0xFF, 0x0A, 0x00], "JPEG XL"),
            (Array("hello, world".utf8), "unknown"),
            ([0x47], "unknown"),
            ([0xFF], "unknown"),
            ([0xFF, 0xD9, 0xFF], "unknown"),
            (Array("BM".utf8), "unknown"),
        ]
        for (bytes, format) in cases {
            let error = #expect(throws: ImagingError.self, "\(format)") { try Image(imageData: bytes, name: "x.png") }
            #expect(error == .unsupportedFormat("x.png", format: format), "\(bytes.prefix(12))")
            #expect(error?.description == "x.png: unsupported image format: \(format) (t2i reads PNG and JPEG)")
        }
    }

    @Test("Image.read: missing file, directory, empty file, and PNG and JPEG cut inside their signatures")
    func readFileErrors() throws {
        try withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("missing.jpg")
            #expect(throws: ImagingError.fileNotFound(missing.path)) { try Image.read(at: missing) }
            #expect(throws: ImagingError.fileNotFound(missing.path)) { try Image.readJPEG(at: missing) }
            #expect(throws: ImagingError.readFailed(dir.path, reason: "it is a directory")) { try Image.read(at: dir) }

            let empty = dir.appendingPathComponent("empty.png")
            try Data().write(to: empty)
            let error = #expect(throws: ImagingError.self) { try Image.read(at: empty) }
            #expect(error == .emptyFile(empty.path))
            #expect(error?.description == "\(empty.path): empty file (0 bytes; expected a PNG or JPEG image)")
            // readPNG keeps its own behaviour for an empty file.
            #expect(throws: ImagingError.self) { try Image.readPNG(at: empty) }
            #expect((try? Image.readPNG(at: empty)) == nil)
        }
        // Cut inside the signature: the decoder's "truncated" message, not "unknown format".
        #expect(throws: ImagingError.corruptJPEG("x", reason: "libjpeg: Premature end of JPEG file")) {
            try Image(imageData: [0xFF, 0xD8], name: "x")
        }
        let pngCut = #expect(throws: ImagingError.self) { try Image(imageData: [0x89, 0x50, 0x4E], name: "y") }
        guard case .corrupt("y", let reason)? = pngCut else {
            Issue.record("expected a corrupt PNG, got \(String(describing: pngCut))")
            return
        }
        #expect(reason.contains("truncated"))
    }

    @Test("PNG errors through Image.read are the PNG reader's, unchanged")
    func pngErrorsUnchanged() throws {
        let png = try Image(width: 4, height: 4, format: .rgb, fill: (1, 2, 3)).pngData()
        var bad = png
        bad[png.count / 2] ^= 0xFF  // a CRC mismatch in IDAT
        let viaRead = #expect(throws: ImagingError.self) { try Image(imageData: bad, name: "b.png") }
        let viaPNG = #expect(throws: ImagingError.self) { try Image(pngData: bad, name: "b.png") }
        #expect(viaRead == viaPNG)
        #expect(viaRead?.description.hasPrefix("b.png: corrupt PNG: ") == true)
    }

    // MARK: EXIF orientation

    /// A TIFF structure with IFD0 holding `entries` (tag, type, count, 4-byte value field).
    static func tiff(bigEndian: Bool, entries: [(tag: Int, type: Int, count: Int, value: Int)],
                     ifdOffset: Int = 8, entryCount: Int? = nil) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] {
            let b = [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
            return bigEndian ? b : b.reversed()
        }
        func u32(_ v: Int) -> [UInt8] {
            let b = [UInt8((v >> 24) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
            return bigEndian ? b : b.reversed()
        }
        var out = Array((bigEndian ? "MM" : "II").utf8) + u16(42) + u32(ifdOffset)
        out += [UInt8](repeating: 0, count: max(0, ifdOffset - 8))
        out += u16(entryCount ?? entries.count)
        for e in entries {
            // A SHORT or BYTE sits left-justified in the value field.
            let value = e.type == 3 ? u16(e.value) + [0, 0] : e.type == 1 ? [UInt8(e.value), 0, 0, 0] : u32(e.value)
            out += u16(e.tag) + u16(e.type) + u32(e.count) + value
        }
        return out + u32(0)
    }

    static let exifHeader: [UInt8] = Array("Exif".utf8) + [0, 0]

    @Test("the orientation tag in either byte order, with or without the Exif header")
    func exifByteOrders() {
        for bigEndian in [false, true] {
            for value in 1...8 {
                let tiff = Self.tiff(bigEndian: bigEndian, entries: [(0x010F, 2, 4, 0x4142_4300), (0x0112, 3, 1, value),
                                                                      (0x0131, 2, 4, 0)])
                #expect(EXIFOrientation(exifData: Self.exifHeader + tiff)?.rawValue == value, "\(bigEndian) \(value)")
                #expect(EXIFOrientation(exifData: tiff)?.rawValue == value)
            }
            // LONG and BYTE values count too; IFD0 may sit anywhere.
            #expect(EXIFOrientation(exifData: Self.tiff(bigEndian: bigEndian, entries: [(0x0112, 4, 1, 6)])) == .rightTop)
            #expect(EXIFOrientation(exifData: Self.tiff(bigEndian: bigEndian, entries: [(0x0112, 1, 1, 3)])) == .bottomRight)
            #expect(EXIFOrientation(exifData: Self.tiff(bigEndian: bigEndian, entries: [(0x0112, 3, 1, 8)], ifdOffset: 30)) == .leftBottom)
        }
        // The byte order matters: 6 written big-endian read as little-endian is 0x0600.
        var swapped = Self.tiff(bigEndian: true, entries: [(0x0112, 3, 1, 6)])
        swapped[0] = 0x49
        swapped[1] = 0x49
        #expect(EXIFOrientation(exifData: swapped) == nil)  // 42 is now 0x2A00: not TIFF
    }

    @Test("no orientation: absent tag, values outside 1...8, wrong type or count, bad header")
    func exifWithoutOrientation() {
        let le = { (entries: [(tag: Int, type: Int, count: Int, value: Int)]) in Self.tiff(bigEndian: false, entries: entries) }
        #expect(EXIFOrientation(exifData: le([(0x010F, 2, 4, 0)])) == nil)
        #expect(EXIFOrientation(exifData: le([])) == nil)
        #expect(EXIFOrientation(exifData: le([(0x0112, 3, 1, 0)])) == nil)
        #expect(EXIFOrientation(exifData: le([(0x0112, 3, 1, 9)])) == nil)
        #expect(EXIFOrientation(exifData: le([(0x0112, 3, 1, 0xFFFF)])) == nil)
        #expect(EXIFOrientation(exifData: le([(0x0112, 2, 1, 6)])) == nil)   // ASCII
        #expect(EXIFOrientation(exifData: le([(0x0112, 3, 2, 6)])) == nil)   // two values
        #expect(EXIFOrientation(exifData: le([(0x0112, 3, 0, 6)])) == nil)   // none
        // The last of two tags wins, as in Pillow's directory.
        #expect(EXIFOrientation(exifData: le([(0x0112, 3, 1, 6), (0x0112, 3, 1, 3)])) == .bottomRight)
        #expect(EXIFOrientation(exifData: []) == nil)
        #expect(EXIFOrientation(exifData: Self.exifHeader) == nil)
        #expect(EXIFOrientation(exifData: Array("XX".utf8) + [42, 0, 8, 0, 0, 0, 0, 0]) == nil)
        #expect(EXIFOrientation(exifData: Array("II".utf8) + [43, 0, 8, 0, 0, 0, 0, 0]) == nil)  // BigTIFF
    }

    @Test("a cut or out-of-range directory keeps the whole entries before the cut and never traps")
    func exifTruncationAndOffsets() {
        let full = Self.tiff(bigEndian: true, entries: [(0x010F, 2, 4, 0), (0x0112, 3, 1, 6), (0x0131, 2, 4, 0)])
        // Header 8 + count 2 + entries of 12: the orientation entry spans bytes 22..<34.
        for length in 0...full.count {
            let orientation = EXIFOrientation(exifData: Array(full.prefix(length)))
            #expect(orientation == (length >= 34 ? .rightTop : nil), "cut at \(length)")
        }
        // An entry count larger than the entries there.
        #expect(EXIFOrientation(exifData: Self.tiff(bigEndian: false, entries: [(0x0112, 3, 1, 5)], entryCount: 60000)) == .leftTop)
        #expect(EXIFOrientation(exifData: Self.tiff(bigEndian: false, entries: [(0x010F, 2, 4, 0), (0x0112, 3, 1, 5)], entryCount: 1)) == nil)
        // IFD0 offsets past the end, at the very end, and at the largest 32-bit value.
        for offset in [full.count, full.count - 1, full.count + 100, 0x7FFF_FFFF, 0xFFFF_FFFF] {
            var bytes = full
            bytes.replaceSubrange(4..<8, with: [UInt8((offset >> 24) & 0xFF), UInt8((offset >> 16) & 0xFF),
                                                UInt8((offset >> 8) & 0xFF), UInt8(offset & 0xFF)])
            #expect(EXIFOrientation(exifData: bytes) == nil, "IFD0 at \(offset)")
        }
        // Every single-byte change of a valid block, at every position: an answer or nil, no trap.
        for position in 0..<full.count {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF] {
                var bytes = Self.exifHeader + full
                bytes[6 + position] = value
                _ = EXIFOrientation(exifData: bytes)
            }
        }
    }

    @Test("the eight orientations move pixels as Pillow's transpose methods do")
    func orientationTransforms() throws {
        // 3x2, one gray value per pixel: a b c / d e f.
        let image = try Image(width: 3, height: 2, format: .rgb, pixels: (1...6).flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
        func rows(_ image: Image) -> [[UInt8]] {
            (0..<image.height).map { y in (0..<image.width).map { x in image[x, y, 0] } }
        }
        #expect(rows(image.oriented(.topLeft)) == [[1, 2, 3], [4, 5, 6]])
        #expect(rows(image.oriented(.topRight)) == [[3, 2, 1], [6, 5, 4]])          // mirror
        #expect(rows(image.oriented(.bottomRight)) == [[6, 5, 4], [3, 2, 1]])       // 180°
        #expect(rows(image.oriented(.bottomLeft)) == [[4, 5, 6], [1, 2, 3]])        // flip
        #expect(rows(image.oriented(.leftTop)) == [[1, 4], [2, 5], [3, 6]])         // transpose
        #expect(rows(image.oriented(.rightTop)) == [[4, 1], [5, 2], [6, 3]])        // 90° clockwise
        #expect(rows(image.oriented(.rightBottom)) == [[6, 3], [5, 2], [4, 1]])     // transverse
        #expect(rows(image.oriented(.leftBottom)) == [[3, 6], [2, 5], [1, 4]])      // 90° counter-clockwise
        let rgba = image.converted(to: .rgba)
        for orientation in EXIFOrientation.allCases {
            #expect(rgba.oriented(orientation) == image.oriented(orientation).converted(to: .rgba))
        }
    }
}
