/// What the first bytes of a file say it is; the file extension plays no part.
enum ImageFormat: Equatable {
    case png
    case jpeg
    /// A format t2i does not read, by name ("GIF", "WebP", …, or "unknown").
    case other(String)

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let jpegStart: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Sniffs `bytes` (at least one byte; the empty file is the caller's case).
    ///
    /// PNG and JPEG also match when the data is a shorter prefix of their signature (two bytes or
    /// more), so that a file cut short is reported by its decoder as truncated.
    init(sniffing bytes: [UInt8]) {
        if Self.matches(bytes, Self.pngSignature) {
            self = .png
        } else if Self.matches(bytes, Self.jpegStart) {
            self = .jpeg
        } else {
            self = .other(Self.otherName(bytes))
        }
    }

    /// True when `bytes` starts with `signature`, or is a prefix of it at least two bytes long.
    private static func matches(_ bytes: [UInt8], _ signature: [UInt8]) -> Bool {
        bytes.count >= signature.count ? bytes.starts(with: signature)
                                       : bytes.count >= 2 && signature.starts(with: bytes)
    }

    private static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    private static func has(_ bytes: [UInt8], _ text: String, at offset: Int = 0) -> Bool {
        let pattern = ascii(text)
        return bytes.count >= offset + pattern.count && bytes[offset..<(offset + pattern.count)].elementsEqual(pattern)
    }

    /// The name of a format t2i does not read, from its magic bytes.
    private static func otherName(_ bytes: [UInt8]) -> String {
        if has(bytes, "GIF87a") || has(bytes, "GIF89a") { return "GIF" }
        if has(bytes, "RIFF"), has(bytes, "WEBP", at: 8) { return "WebP" }
        if has(bytes, "II*\u{0}") || has(bytes, "MM\u{0}*") { return "TIFF" }
        if has(bytes, "BM"), bytes.count >= 14 { return "BMP" }
        if has(bytes, "ftyp", at: 4) { return isoMediaName(bytes) }
        if has(bytes, "\u{0}\u{0}\u{0}\u{C}jP  ") { return "JPEG 2000" }
        if has(bytes, "\u{0}\u{0}\u{0}\u{C}JXL ") || bytes.starts(with: [0xFF, 0x0A]) { return "JPEG XL" }
        if has(bytes, "%PDF") { return "PDF" }
        if let markup = markupName(bytes) { return markup }
        return "unknown"
    }

    /// AVIF or HEIF from an ISO base media `ftyp` box (major and compatible brands), else a
    /// generic name.
    private static func isoMediaName(_ bytes: [UInt8]) -> String {
        let boxSize = bytes.count >= 4 ? Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3]) : 0
        let end = min(bytes.count, 256, max(12, boxSize))  // brands past 256 bytes are not looked at
        var brands: [String] = []
        var offset = 8
        while offset + 4 <= end {
            brands.append(String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self))
            offset += offset == 8 ? 8 : 4  // the major brand, then minor_version, then compatible brands
        }
        if brands.contains(where: { $0 == "avif" || $0 == "avis" }) { return "AVIF" }
        let heif: Set = ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"]
        if brands.contains(where: heif.contains) { return "HEIF" }
        return "ISO media (not an image t2i reads)"
    }

    /// "SVG" or "XML" for text that starts (after a UTF-8 byte-order mark and white space) with
    /// `<`; SVG when `<svg` appears in the first 4 KB.
    private static func markupName(_ bytes: [UInt8]) -> String? {
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
        guard start < bytes.count, bytes[start] == UInt8(ascii: "<") else { return nil }
        let head = String(decoding: bytes[start..<min(bytes.count, start + 4096)], as: UTF8.self).lowercased()
        if head.contains("<svg") { return "SVG" }
        return head.hasPrefix("<?xml") ? "XML" : (head.hasPrefix("<!doctype html") || head.hasPrefix("<html") ? "HTML" : nil)
    }
}
