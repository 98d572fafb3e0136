/// One chunk of a PNG datastream, located inside the bytes it was parsed from.
///
/// Layout (PNG spec, ISO/IEC 15948:2003 §5.3): 4-byte big-endian data length, 4-byte type,
/// the data, then a 4-byte CRC-32 over type and data.
struct PNGChunk: Sendable, Equatable {
    /// The four type bytes as a big-endian integer, e.g. `0x4948_4452` for `IHDR`.
    let type: UInt32
    /// Where the chunk starts (its length field) in the datastream.
    let offset: Int
    /// Where the chunk's data lies in the datastream.
    let data: Range<Int>

    static let IHDR: UInt32 = 0x4948_4452
    static let IEND: UInt32 = 0x4945_4E44
    static let tEXt: UInt32 = 0x7445_5874
    static let iTXt: UInt32 = 0x6954_5874

    /// The type as text, e.g. `"IDAT"`, for error messages.
    var typeName: String { Self.name(of: type) }

    /// Renders a chunk type as four characters (non-letters as `?`).
    static func name(of type: UInt32) -> String {
        let bytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: type >> $0) }
        return String(decoding: bytes.map { Self.isLetter($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// Chunk type bytes are restricted to ASCII letters (§5.4).
    static func isLetter(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
