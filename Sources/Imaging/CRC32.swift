/// CRC-32 as PNG and zlib use it: reflected polynomial 0xEDB88320, initial value and final XOR
/// 0xFFFFFFFF (PNG spec, ISO/IEC 15948:2003 §5.5 and Annex D's sample code).
enum CRC32 {
    /// The 256-entry lookup table of Annex D's `make_crc_table`; a `static let`, so built once, immutable.
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    /// The CRC-32 of `bytes[range]`.
    static func checksum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for i in range {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
            }
        }
        return c ^ 0xFFFF_FFFF
    }
}
