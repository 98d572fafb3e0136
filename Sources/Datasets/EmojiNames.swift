import Foundation

/// Unicode emoji names, read from `emoji-test.txt` (Debian's `unicode-data`), looked up by code
/// points or by the code-point file names of emoji art.
///
/// Lines read `1F44B 1F3FD ; fully-qualified # 👋🏽 E1.0 waving hand: medium skin tone`. Lookups ignore
/// the variation selectors U+FE0F and U+FE0E, since art sets drop them inconsistently (Twemoji's
/// `23-20e3.png` is the keycap `0023 FE0F 20E3`); zero-width joiners (U+200D), regional-indicator pairs
/// (flags), keycaps and skin-tone modifiers are kept, so each sequence keeps its own name.
public struct EmojiNames: Sendable {
    /// The skin-tone modifiers U+1F3FB…U+1F3FF (Fitzpatrick types 1-2 to 6).
    public static let skinToneModifiers: ClosedRange<UInt32> = 0x1F3FB...0x1F3FF

    /// Name by code points with variation selectors removed.
    private let names: [[UInt32]: String]

    /// The number of distinct sequences named.
    public var count: Int { names.count }

    /// Reads `emoji-test.txt`.
    ///
    /// - Throws: ``DatasetError/readFailed(_:reason:)`` when the file cannot be read,
    ///   ``DatasetError/noEmojiNames(_:)`` when it names nothing.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let missing = !FileManager.default.fileExists(atPath: url.path)
            throw DatasetError.readFailed(url.path, reason: missing ? "no such file" : error.localizedDescription)
        }
        self.init(emojiTest: String(decoding: data, as: UTF8.self))
        guard count > 0 else { throw DatasetError.noEmojiNames(url.path) }
    }

    /// Parses the text of `emoji-test.txt`; lines that do not fit the format are skipped.
    public init(emojiTest text: String) {
        var names: [[UInt32]: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let (codePoints, name) = Self.parse(line) else { continue }
            // All qualification levels of one emoji share one name; the first (fully-qualified,
            // listed first in the file) is kept.
            let key = Self.key(codePoints)
            if names[key] == nil { names[key] = name }
        }
        self.names = names
    }

    /// The name of a code-point sequence, or nil when the file does not list it.
    ///
    /// A sequence without zero-width joiners that is not listed is tried again with U+200D between
    /// its emoji, since older art sets (EmojiOne's `1F468-1F468-1F466.png`) name ZWJ sequences such
    /// as "family: man, man, boy" without the joiners.
    public func name(forCodePoints codePoints: [UInt32]) -> String? {
        let key = Self.key(codePoints)
        if let name = names[key] { return name }
        guard key.count >= 2, !key.contains(Self.zeroWidthJoiner) else { return nil }
        var joined: [UInt32] = [key[0]]
        for value in key.dropFirst() {
            // Modifiers and the keycap mark attach to the emoji before them, without a joiner.
            if !Self.skinToneModifiers.contains(value) && value != Self.combiningKeycap {
                joined.append(Self.zeroWidthJoiner)
            }
            joined.append(value)
        }
        return names[joined]
    }

    /// U+200D ZERO WIDTH JOINER, which glues emoji into one (UTS #51 §2.3).
    static let zeroWidthJoiner: UInt32 = 0x200D
    /// U+20E3 COMBINING ENCLOSING KEYCAP.
    static let combiningKeycap: UInt32 = 0x20E3

    /// The name of an art file named by code points (`1f44b-1f3fd.png`, `0023-20E3.png`), or nil.
    public func name(forFileName fileName: String) -> String? {
        Self.codePoints(fromFileName: fileName).flatMap { name(forCodePoints: $0) }
    }

    /// The code points of a file name: hex numbers (any case, any zero padding) joined by `-` or `_`,
    /// with an optional extension; nil when it is not that.
    public static func codePoints(fromFileName fileName: String) -> [UInt32]? {
        var stem = Substring(fileName)
        if let dot = stem.lastIndex(of: ".") { stem = stem[..<dot] }
        let parts = stem.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "_" }
        var result: [UInt32] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 8, let value = UInt32(part, radix: 16),
                  value <= 0x10FFFF else { return nil }
            result.append(value)
        }
        return result.isEmpty ? nil : result
    }

    /// Whether a sequence carries a skin-tone modifier (e.g. "waving hand: medium skin tone").
    public static func isSkinToneVariant(_ codePoints: [UInt32]) -> Bool {
        codePoints.contains { skinToneModifiers.contains($0) }
    }

    /// The lookup key: the sequence without variation selectors U+FE0E and U+FE0F.
    static func key(_ codePoints: [UInt32]) -> [UInt32] {
        codePoints.filter { $0 != 0xFE0F && $0 != 0xFE0E }
    }

    /// `(code points, name)` of one data line, or nil for comments and other lines.
    private static func parse(_ line: Substring) -> ([UInt32], String)? {
        guard let semicolon = line.firstIndex(of: ";"), let hash = line.firstIndex(of: "#"),
              semicolon < hash else { return nil }
        var codePoints: [UInt32] = []
        for field in line[..<semicolon].split(separator: " ") {
            guard let value = UInt32(field, radix: 16) else { return nil }
            codePoints.append(value)
        }
        // After '#': the emoji itself, the version "E1.0", then the name (which may hold spaces).
        let comment = line[line.index(after: hash)...].split(separator: " ", maxSplits: 2)
        guard !codePoints.isEmpty, comment.count == 3, comment[1].hasPrefix("E") else { return nil }
        let name = comment[2].trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : (codePoints, name)
    }
}
