import CSentencePiece
import Foundation

/// A SentencePiece model: text to ids and back, with the special ids pad 0, unk 1, bos 2, eos 3.
///
/// `@unchecked Sendable` is sound because the wrapped processor is never mutated after `init`
/// (the class has only `let` properties), and SentencePiece's `Encode`, `Decode`, `GetPieceSize`
/// and `IdToPiece` are `const` member functions that read the loaded model only, so any number of
/// threads may call them at once. The handle is freed in `deinit`, when no caller holds it.
public final class SentencePieceTokenizer: @unchecked Sendable {
    /// The padding id (DESIGN §3).
    public static let padId: Int32 = 0
    /// The id of unknown pieces.
    public static let unkId: Int32 = 1
    /// The beginning-of-sequence id.
    public static let bosId: Int32 = 2
    /// The end-of-sequence id.
    public static let eosId: Int32 = 3

    /// The number of pieces in the vocabulary, special pieces included.
    public let vocabSize: Int

    /// The serialized model (a SentencePiece `ModelProto`), as `save(to:)` writes it and
    /// `init(modelBytes:)` reads it.
    public let modelBytes: [UInt8]

    private let handle: OpaquePointer

    /// Takes ownership of `handle` (freeing it if this throws).
    private init(handle: OpaquePointer) throws {
        var size: Int32 = 0
        var buffer: UnsafeMutablePointer<CChar>?
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        guard t2i_sp_piece_size(handle, &size, &error) == 0,
              t2i_sp_serialized_model(handle, &buffer, &length, &error) == 0,
              let buffer
        else {
            let message = Self.takeMessage(error)
            t2i_sp_free(handle)
            throw TokenizerError.loadFailed(path: nil, message: message)
        }
        defer { t2i_sp_free_bytes(buffer) }
        self.handle = handle
        self.vocabSize = Int(size)
        self.modelBytes = buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    deinit {
        t2i_sp_free(handle)
    }

    /// Loads a model from a `.model` file (a serialized SentencePiece `ModelProto`).
    public convenience init(contentsOf url: URL) throws {
        let path = url.path
        // Read here rather than by SentencePiece, whose messages name its own source lines.
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.loadFailed(path: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        do {
            try self.init(modelBytes: [UInt8](data))
        } catch TokenizerError.loadFailed(_, let message) {
            throw TokenizerError.loadFailed(path: path, message: message)
        }
    }

    /// SentencePiece's message without its internal source location, e.g.
    /// "./src/sentencepiece_processor.cc(1101) [model_proto->ParseFromArray(…)]" → "not a SentencePiece model (the bytes do not parse)".
    static func plain(_ message: String) -> String {
        guard let location = message.range(of: #"\S*\.cc\(\d+\) \[[^\]]*\]"#, options: .regularExpression) else { return message }
        let rest = message[location.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        if message[location].contains("ParseFromArray") { return "not a SentencePiece model (the bytes do not parse)" + (rest.isEmpty ? "" : ": \(rest)") }
        return rest.isEmpty ? "SentencePiece refused it" : rest
    }

    /// Loads a model from the bytes of a serialized SentencePiece `ModelProto`.
    public convenience init(modelBytes: [UInt8]) throws {
        var raw: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        let status = modelBytes.withUnsafeBytes { bytes in
            t2i_sp_load_from_bytes(bytes.baseAddress, bytes.count, &raw, &error)
        }
        guard status == 0, let raw else {
            throw TokenizerError.loadFailed(path: nil, message: Self.plain(Self.takeMessage(error)))
        }
        try self.init(handle: raw)
    }

    /// Writes the model to `url` atomically (a temporary file in the same folder, then a rename).
    public func save(to url: URL) throws {
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw TokenizerError.writeFailed(path: url.path, message: "no such folder \(folder)")
        }
        if let type = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType, type != .typeRegular {
            throw TokenizerError.writeFailed(path: url.path, message: type == .typeDirectory ? "it is a folder" : "it is not a regular file")
        }
        do {
            try Data(modelBytes).write(to: url, options: .atomic)
        } catch {
            throw TokenizerError.writeFailed(path: url.path, message: Self.describe(error))
        }
    }

    /// The piece (sub-word string) for `id`.
    public func piece(for id: Int32) throws -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        guard t2i_sp_id_to_piece(handle, id, &buffer, &length, &error) == 0, let buffer else {
            throw TokenizerError.decodeFailed(message: Self.takeMessage(error))
        }
        defer { t2i_sp_free_string(buffer) }
        return Self.string(from: buffer, length: length)
    }

    /// Encodes `text` to piece ids, optionally framed by bos and eos.
    public func encode(_ text: String, addBos: Bool = true, addEos: Bool = true) throws -> [Int32] {
        var utf8 = text
        var ids: UnsafeMutablePointer<Int32>?
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = utf8.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                t2i_sp_encode(handle, chars.baseAddress, chars.count, &ids, &count, &error)
            }
        }
        guard status == 0, let ids else {
            throw TokenizerError.encodeFailed(message: Self.takeMessage(error))
        }
        defer { t2i_sp_free_ids(ids) }
        var result: [Int32] = []
        result.reserveCapacity(count + 2)
        if addBos { result.append(Self.bosId) }
        result.append(contentsOf: UnsafeBufferPointer(start: ids, count: count))
        if addEos { result.append(Self.eosId) }
        return result
    }

    /// Encodes `text` to exactly `maxLength` ids: bos, the text's ids, eos, then pad ids.
    ///
    /// A text too long loses its trailing text ids, never the eos, which stays the last real token
    /// (as CLIP's tokenizer truncates). With `padding` false the result is not padded and may be
    /// shorter than `maxLength`.
    public func encode(_ text: String, maxLength: Int, padding: Bool = true) throws -> [Int32] {
        guard maxLength >= 2 else {
            throw TokenizerError.invalidArgument("max length must be at least 2 (bos and eos), got \(maxLength)")
        }
        let body = try encode(text, addBos: false, addEos: false)
        var result: [Int32] = [Self.bosId]
        result.reserveCapacity(maxLength)
        result.append(contentsOf: body.prefix(maxLength - 2))
        result.append(Self.eosId)
        if padding, result.count < maxLength {
            result.append(contentsOf: repeatElement(Self.padId, count: maxLength - result.count))
        }
        return result
    }

    /// Decodes ids to text, skipping the special ids pad, bos and eos.
    public func decode(_ ids: [Int32]) throws -> String {
        let pieces = ids.filter { $0 != Self.padId && $0 != Self.bosId && $0 != Self.eosId }
        var text: UnsafeMutablePointer<CChar>?
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = pieces.withUnsafeBufferPointer { buffer in
            t2i_sp_decode(handle, buffer.baseAddress, buffer.count, &text, &length, &error)
        }
        guard status == 0, let text else {
            throw TokenizerError.decodeFailed(message: Self.takeMessage(error))
        }
        defer { t2i_sp_free_string(text) }
        return Self.string(from: text, length: length)
    }

    // MARK: - Bridging helpers

    /// Takes ownership of a message from the C API, frees it and returns it.
    static func takeMessage(_ error: UnsafeMutablePointer<CChar>?) -> String {
        guard let error else { return "unknown SentencePiece error" }
        defer { t2i_sp_free_string(error) }
        return String(cString: error)
    }

    /// A Swift string from `length` UTF-8 bytes (invalid sequences repaired).
    static func string(from pointer: UnsafePointer<CChar>, length: Int) -> String {
        pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// A one-line reason for a Foundation error.
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
    }
}
