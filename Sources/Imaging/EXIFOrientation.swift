/// The EXIF orientation tag (0x0112): how the stored pixels must be turned to stand upright.
///
/// The case names are the TIFF 6.0 names: where row 0 and column 0 of the stored image lie in the
/// upright picture. ``Image/oriented(_:)`` applies the transform Pillow's `ImageOps.exif_transpose`
/// applies for each value.
public enum EXIFOrientation: Int, Sendable, CaseIterable {
    /// 1: already upright; nothing to do.
    case topLeft = 1
    /// 2: mirrored left to right (Pillow's `FLIP_LEFT_RIGHT`).
    case topRight = 2
    /// 3: upside down (Pillow's `ROTATE_180`).
    case bottomRight = 3
    /// 4: mirrored top to bottom (Pillow's `FLIP_TOP_BOTTOM`).
    case bottomLeft = 4
    /// 5: mirrored along the main diagonal (Pillow's `TRANSPOSE`).
    case leftTop = 5
    /// 6: needs a quarter turn clockwise (Pillow's `ROTATE_270`, counter-clockwise angles).
    case rightTop = 6
    /// 7: mirrored along the anti-diagonal (Pillow's `TRANSVERSE`).
    case rightBottom = 7
    /// 8: needs a quarter turn counter-clockwise (Pillow's `ROTATE_90`).
    case leftBottom = 8

    /// Whether the upright image has width and height swapped (values 5 to 8).
    public var swapsSides: Bool { rawValue >= 5 }

    /// Reads the orientation tag from EXIF data; nil when there is none or it cannot be read.
    ///
    /// `exifData` is the payload of a JPEG's APP1 marker ("Exif\0\0" and a TIFF structure) or the
    /// TIFF structure alone. The tag is looked up in IFD0, in either byte order ("II" or "MM"); it
    /// must hold one integer (BYTE, SHORT or LONG, signed or not) from 1 to 8. Every offset and count is checked
    /// against the data, so any bytes at all give an answer or nil, never a trap. Like Pillow, a
    /// directory cut short keeps the entries before the cut, and a tag given twice takes the last.
    public init?(exifData: [UInt8]) {
        var tiff = exifData[...]
        if tiff.starts(with: Self.exifHeader) { tiff = tiff.dropFirst(Self.exifHeader.count) }
        guard let value = Self.orientationValue(inTIFF: Array(tiff)) else { return nil }
        self.init(rawValue: value)
    }

    /// "Exif\0\0", before the TIFF structure in a JPEG's APP1 marker.
    private static let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]

    private static let orientationTag = 0x0112

    /// The raw value of the orientation tag of IFD0, or nil.
    private static func orientationValue(inTIFF bytes: [UInt8]) -> Int? {
        // TIFF header: byte order (2), 42 (2), offset of IFD0 (4); offsets count from its start.
        guard bytes.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): bigEndian = false  // "II"
        case (0x4D, 0x4D): bigEndian = true   // "MM"
        default: return nil
        }
        let reader = Reader(bytes: bytes, bigEndian: bigEndian)
        guard reader.u16(at: 2) == 42, let ifd = reader.u32(at: 4), let entryCount = reader.u16(at: ifd) else {
            return nil
        }
        // Each entry: tag (2), type (2), count (4), value or offset (4); values of 4 bytes or
        // fewer sit left-justified in the last field.
        var found: Int?
        for index in 0..<entryCount {
            let entry = ifd + 2 + 12 * index
            guard let tag = reader.u16(at: entry), let type = reader.u16(at: entry + 2),
                  let count = reader.u32(at: entry + 4), entry + 12 <= bytes.count else { break }
            guard tag == orientationTag else { continue }
            guard count == 1 else {
                found = nil
                continue
            }
            // Read unsigned, a negative signed value falls outside 1...8 as it does for Pillow.
            switch type {
            case 1, 6: found = Int(bytes[entry + 8])         // BYTE, SBYTE
            case 3, 8: found = reader.u16(at: entry + 8)     // SHORT, SSHORT
            case 4, 9: found = reader.u32(at: entry + 8)     // LONG, SLONG
            default: found = nil
            }
        }
        return found
    }

    /// Bounds-checked reads of unsigned integers in one byte order; nil past the end.
    private struct Reader {
        let bytes: [UInt8]
        let bigEndian: Bool

        func u16(at offset: Int) -> Int? {
            guard offset >= 0, offset <= bytes.count - 2 else { return nil }
            let a = Int(bytes[offset]), b = Int(bytes[offset + 1])
            return bigEndian ? a << 8 | b : b << 8 | a
        }

        func u32(at offset: Int) -> Int? {
            guard offset >= 0, offset <= bytes.count - 4 else { return nil }
            let b = (0..<4).map { Int(bytes[offset + $0]) }
            return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
                             : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
        }
    }
}
