/// Encoding and decoding of PNG text chunks (`tEXt`, uncompressed `iTXt`).
///
/// Writing: a value that is pure ASCII goes in `tEXt`; any other value goes in an uncompressed
/// `iTXt` (UTF-8), so that e.g. an emoji prompt survives. Reading: `tEXt` is decoded as Latin-1 and
/// uncompressed `iTXt` as UTF-8; `zTXt` and compressed `iTXt` chunks are skipped (they need zlib,
/// which libpng's simplified API does not expose to us, and we never write them).
enum PNGTextChunks {
    /// Encodes entries as complete chunks (length, type, data, CRC), in order.
    ///
    /// - Throws: ``ImagingError/invalidArgument(_:)`` for an invalid key or a value with NUL.
    static func encode(_ entries: [PNGTextEntry]) throws -> [[UInt8]] {
        try entries.map { entry in
            let key = try keywordBytes(entry.key)
            guard !entry.value.unicodeScalars.contains("\0") else {
                throw ImagingError.invalidArgument("PNG text value for key \"\(entry.key)\" contains a NUL character")
            }
            if entry.value.unicodeScalars.allSatisfy(\.isASCII) {
                // tEXt (§11.3.4.3): keyword, NUL, Latin-1 text (ASCII is a subset).
                return PNGChunkStream.encodeChunk(type: PNGChunk.tEXt, data: key + [0] + Array(entry.value.utf8))
            }
            // iTXt (§11.3.4.5): keyword, NUL, compression flag 0, compression method 0,
            // language tag "" + NUL, translated keyword "" + NUL, UTF-8 text.
            let data = key + [0, 0, 0, 0, 0] + Array(entry.value.utf8)
            guard data.count <= PNGChunkStream.maxChunkLength else {
                throw ImagingError.invalidArgument("PNG text value for key \"\(entry.key)\" is too long")
            }
            return PNGChunkStream.encodeChunk(type: PNGChunk.iTXt, data: data)
        }
    }

    /// Validates a keyword and returns its Latin-1 bytes.
    ///
    /// §11.3.4.3: 1–79 bytes of printable Latin-1 (32–126, 161–255), no leading, trailing or
    /// consecutive spaces.
    static func keywordBytes(_ key: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in key.unicodeScalars {
            let v = scalar.value
            guard (32...126).contains(v) || (161...255).contains(v) else {
                throw ImagingError.invalidArgument(
                    "PNG text key \"\(key)\" has a character that is not printable Latin-1 (U+\(String(v, radix: 16, uppercase: true)))")
            }
            bytes.append(UInt8(v))
        }
        guard (1...79).contains(bytes.count) else {
            throw ImagingError.invalidArgument("PNG text key \"\(key)\" must be 1 to 79 characters, has \(bytes.count)")
        }
        guard bytes.first != 32, bytes.last != 32, !zip(bytes, bytes.dropFirst()).contains(where: { $0 == 32 && $1 == 32 }) else {
            throw ImagingError.invalidArgument("PNG text key \"\(key)\" has leading, trailing or consecutive spaces")
        }
        return bytes
    }

    /// Decodes the text entries of a datastream's chunks, in file order.
    ///
    /// - Throws: ``ImagingError/corrupt(_:reason:)`` for a text chunk without its NUL separators or
    ///   with invalid UTF-8 in an `iTXt`.
    static func decode(_ chunks: [PNGChunk], in bytes: [UInt8], name: String) throws -> [PNGTextEntry] {
        var entries: [PNGTextEntry] = []
        for chunk in chunks where chunk.type == PNGChunk.tEXt || chunk.type == PNGChunk.iTXt {
            let data = bytes[chunk.data]
            guard let keyEnd = data.firstIndex(of: 0) else {
                throw ImagingError.corrupt(name, reason: "\(chunk.typeName) chunk at byte \(chunk.offset) has no keyword terminator")
            }
            let key = latin1(data[data.startIndex..<keyEnd])
            if chunk.type == PNGChunk.tEXt {
                entries.append((key: key, value: latin1(data[(keyEnd + 1)...])))
                continue
            }
            // iTXt: compression flag, method, language tag\0, translated keyword\0, text (§11.3.4.5).
            let flagIndex = keyEnd + 1
            guard data.endIndex - flagIndex >= 2,
                  let languageEnd = data[(flagIndex + 2)...].firstIndex(of: 0),
                  let translatedEnd = data[(languageEnd + 1)...].firstIndex(of: 0) else {
                throw ImagingError.corrupt(name, reason: "iTXt chunk at byte \(chunk.offset) is malformed")
            }
            if data[flagIndex] != 0 { continue }  // compressed iTXt: skipped, see the type's notes
            guard let value = String(validating: data[(translatedEnd + 1)...], as: UTF8.self) else {
                throw ImagingError.corrupt(name, reason: "iTXt chunk at byte \(chunk.offset) has invalid UTF-8 text")
            }
            entries.append((key: key, value: value))
        }
        return entries
    }

    /// Latin-1 bytes to a string: each byte is the Unicode scalar of the same value.
    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(s)
    }
}
