import Foundation

/// Builds PNG datastreams by hand, independently of the code under test: chunks with a bitwise
/// CRC-32, and zlib streams of stored (uncompressed) deflate blocks with an Adler-32 trailer.
enum PNGFixture {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    /// A complete PNG: signature, IHDR, the extra chunks (PLTE, tRNS, ...), one IDAT, IEND.
    ///
    /// `rows` are the raw scanlines without filter bytes (filter type 0 is prepended to each).
    static func png(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8,
                    extra: [(String, [UInt8])] = [], rows: [[UInt8]]) -> [UInt8] {
        var ihdr = be32(width) + be32(height)
        ihdr += [bitDepth, colorType, 0, 0, 0]  // compression 0, filter 0, no interlace
        var out = signature + chunk("IHDR", ihdr)
        for (type, data) in extra { out += chunk(type, data) }
        out += chunk("IDAT", zlibStored(rows.flatMap { [0] + $0 }))
        out += chunk("IEND", [])
        return out
    }

    /// Length, type, data, CRC over type and data (PNG spec §5.3).
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return be32(data.count) + typeBytes + data + be32(Int(crc32(typeBytes + data)))
    }

    /// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4).
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]  // CM 8, 32K window, FCHECK so that 0x7801 % 31 == 0
        var start = 0
        repeat {
            let n = min(65535, data.count - start)
            let final: UInt8 = start + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[start..<start + n]
            start += n
        } while start < data.count
        return out + be32(Int(adler32(data)))
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    /// Bit-at-a-time CRC-32 (no table), so it does not share code with the library's.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in data {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }

    static func be32(_ v: Int) -> [UInt8] {
        [UInt8((v >> 24) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    /// The chunks of a datastream as (type, data), for checking what was written.
    static func chunks(_ png: [UInt8]) -> [(type: String, data: [UInt8], crcOK: Bool)] {
        var out: [(type: String, data: [UInt8], crcOK: Bool)] = []
        var i = 8
        while i + 12 <= png.count {
            let n = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            guard i + 12 + n <= png.count else { break }
            let typeBytes = Array(png[(i + 4)..<(i + 8)])
            let data = Array(png[(i + 8)..<(i + 8 + n)])
            let c = png[(i + 8 + n)..<(i + 12 + n)].reduce(0) { $0 << 8 | UInt32($1) }
            out.append((String(decoding: typeBytes, as: UTF8.self), data, c == crc32(typeBytes + data)))
            i += 12 + n
        }
        return out
    }
}

/// A fresh folder under the system temporary directory, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("ImagingTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(dir)
}
