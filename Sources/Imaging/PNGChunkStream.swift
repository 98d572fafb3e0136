/// The PNG chunk layer in Swift: walking a datastream's chunks and adding chunks to one.
///
/// libpng's simplified API neither writes nor returns text chunks, so that layer lives here
/// (PNG spec, ISO/IEC 15948:2003 §5).
enum PNGChunkStream {
    /// The 8-byte PNG signature (§5.2).
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    /// The largest chunk data length the spec allows, 2^31 - 1 (§5.3).
    static let maxChunkLength = 0x7FFF_FFFF

    /// Checks the signature; a short prefix of it is a truncated PNG, anything else is not a PNG.
    static func checkSignature(_ bytes: [UInt8], name: String) throws {
        if bytes.count >= signature.count, bytes[0..<signature.count].elementsEqual(signature) { return }
        if bytes.count < signature.count, bytes.elementsEqual(signature.prefix(bytes.count)) {
            throw ImagingError.corrupt(name, reason: bytes.isEmpty
                ? "truncated: the file is empty"
                : "truncated: only \(bytes.count) bytes, fewer than the 8-byte PNG signature")
        }
        throw ImagingError.notPNG(name)
    }

    /// Walks every chunk from after the signature through `IEND`, checking bounds and CRCs.
    ///
    /// Bytes after `IEND` are ignored, as libpng ignores them.
    /// - Throws: ``ImagingError/notPNG(_:)`` without the signature; ``ImagingError/corrupt(_:reason:)``
    ///   when a chunk runs past the end of the data (truncation), a CRC does not match, a type is
    ///   not four letters, the first chunk is not `IHDR`, or `IEND` never comes.
    static func chunks(in bytes: [UInt8], name: String) throws -> [PNGChunk] {
        try checkSignature(bytes, name: name)
        var chunks: [PNGChunk] = []
        var offset = signature.count
        while true {
            guard bytes.count - offset >= 8 else {
                throw ImagingError.corrupt(name, reason: "truncated: the file ends after \(bytes.count) bytes, "
                                           + "before the IEND chunk")
            }
            let length = Int(readUInt32(bytes, at: offset))
            let type = readUInt32(bytes, at: offset + 4)
            let typeName = PNGChunk.name(of: type)
            guard (0..<4).allSatisfy({ PNGChunk.isLetter(bytes[offset + 4 + $0]) }) else {
                throw ImagingError.corrupt(name, reason: "invalid chunk type at byte \(offset + 4)")
            }
            guard length <= maxChunkLength else {
                throw ImagingError.corrupt(name, reason: "chunk \(typeName) at byte \(offset) declares "
                                           + "\(length) bytes, more than 2^31-1")
            }
            // A truncated file usually ends inside a chunk: the declared length runs past the end.
            guard bytes.count - offset - 12 >= length else {
                throw ImagingError.corrupt(name, reason: "truncated: chunk \(typeName) at byte \(offset) "
                                           + "declares \(length) data bytes, the file ends after \(bytes.count)")
            }
            let data = (offset + 8)..<(offset + 8 + length)
            let stored = readUInt32(bytes, at: data.upperBound)
            // The CRC covers the type and data fields, not the length (§5.3).
            guard CRC32.checksum(bytes, (offset + 4)..<data.upperBound) == stored else {
                throw ImagingError.corrupt(name, reason: "CRC mismatch in chunk \(typeName) at byte \(offset)")
            }
            if chunks.isEmpty, type != PNGChunk.IHDR {
                throw ImagingError.corrupt(name, reason: "the first chunk is \(typeName), not IHDR")
            }
            chunks.append(PNGChunk(type: type, offset: offset, data: data))
            offset = data.upperBound + 4
            if type == PNGChunk.IEND { return chunks }
        }
    }

    /// Encodes one chunk: length, type, data, CRC (§5.3). `data` must be at most 2^31-1 bytes.
    static func encodeChunk(type: UInt32, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 12)
        appendUInt32(UInt32(data.count), to: &out)
        appendUInt32(type, to: &out)
        out.append(contentsOf: data)
        let crc = CRC32.checksum(out, 4..<out.count)
        appendUInt32(crc, to: &out)
        return out
    }

    /// Returns `png` with `encodedChunks` (already encoded) inserted just before its `IEND` chunk.
    static func inserting(_ encodedChunks: [[UInt8]], beforeIENDOf png: [UInt8], name: String) throws -> [UInt8] {
        guard !encodedChunks.isEmpty else { return png }
        let chunks = try chunks(in: png, name: name)
        guard let iend = chunks.last, iend.type == PNGChunk.IEND else {
            throw ImagingError.corrupt(name, reason: "no IEND chunk")
        }
        var out = Array(png[0..<iend.offset])
        for chunk in encodedChunks { out.append(contentsOf: chunk) }
        out.append(contentsOf: png[iend.offset...])
        return out
    }

    /// Reads a big-endian (network order, §7.1) 32-bit integer; `offset + 4` must be in range.
    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    /// Appends a big-endian 32-bit integer.
    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
}
