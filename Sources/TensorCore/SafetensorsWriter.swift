import Foundation

/// Builds a safetensors file: add tensors, set metadata, then write atomically.
///
/// The header lists tensors in name order and the data section stores them contiguously in that
/// order, so equal inputs give byte-identical files. The header is padded with spaces to a multiple
/// of 8 bytes so that every tensor's data starts 8-byte aligned (as the Python library does).
public struct SafetensorsWriter: Sendable {
    private struct Entry: Sendable {
        let dtype: SafetensorsDType
        let shape: [Int]
        let bytes: [UInt8]
    }

    private var entries: [String: Entry] = [:]
    /// String metadata stored under `__metadata__`.
    public var metadata: [String: String]

    /// An empty file with the given metadata.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor from raw little-endian bytes; the byte count must match `shape` and `dtype`.
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) throws {
        guard name != "__metadata__", !name.isEmpty else {
            throw SafetensorsError(.invalidHeader, path: "<writer>", tensor: name, "reserved or empty tensor name")
        }
        guard entries[name] == nil else {
            throw SafetensorsError(.duplicateTensor, path: "<writer>", tensor: name, "added twice")
        }
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count * dtype.byteSize == bytes.count else {
            throw SafetensorsError(.shapeMismatch, path: "<writer>", tensor: name,
                                   "shape \(shape) of \(dtype.rawValue) needs \(count * dtype.byteSize) bytes, got \(bytes.count)")
        }
        entries[name] = Entry(dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Adds Float32 values stored as `dtype` (F32, F16 or BF16; F16/BF16 round to nearest even).
    public mutating func add(_ name: String, floats: [Float], shape: [Int], as dtype: SafetensorsDType = .f32) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(floats.count * dtype.byteSize)
        switch dtype {
        case .f32:
            floats.withUnsafeBytes { bytes.append(contentsOf: $0) }
        case .f16:
            for f in floats { Self.appendLE(HalfPrecision.f16Bits(f), to: &bytes) }
        case .bf16:
            for f in floats { Self.appendLE(HalfPrecision.bf16Bits(f), to: &bytes) }
        case .f64:
            for f in floats { Self.appendLE(Double(f).bitPattern, to: &bytes) }
        default:
            throw SafetensorsError(.unsupportedConversion, path: "<writer>", tensor: name, "cannot store floats as \(dtype.rawValue)")
        }
        try add(name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Adds Int32 values (I32).
    public mutating func add(_ name: String, int32s: [Int32], shape: [Int]) throws {
        var bytes = [UInt8]()
        for v in int32s { Self.appendLE(UInt32(bitPattern: v), to: &bytes) }
        try add(name, dtype: .i32, shape: shape, bytes: bytes)
    }

    /// Adds Int64 values (I64).
    public mutating func add(_ name: String, int64s: [Int64], shape: [Int]) throws {
        var bytes = [UInt8]()
        for v in int64s { Self.appendLE(UInt64(bitPattern: v), to: &bytes) }
        try add(name, dtype: .i64, shape: shape, bytes: bytes)
    }

    /// The serialized header (length prefix, padded JSON) for the current tensors.
    private func header() -> [UInt8] {
        var json = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONString.quoted($0)):\(JSONString.quoted(metadata[$0] ?? ""))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in entries.keys.sorted() {
            guard let e = entries[name] else { continue }
            let shape = e.shape.map(String.init).joined(separator: ",")
            fields.append("\(JSONString.quoted(name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        json += fields.joined(separator: ",") + "}"
        var headerBytes = Array(json.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = [UInt8]()
        Self.appendLE(UInt64(headerBytes.count), to: &out)
        return out + headerBytes
    }

    /// The whole file as bytes.
    public func serialized() -> [UInt8] {
        var out = header()
        for name in entries.keys.sorted() {
            if let e = entries[name] { out.append(contentsOf: e.bytes) }
        }
        return out
    }

    /// Writes the file to `url` atomically (temporary file in the same folder, then rename).
    public func write(to url: URL) throws {
        let head = header()
        let names = entries.keys.sorted()
        do {
            try AtomicFile.write(to: url) { append in
                try head.withUnsafeBytes { try append($0) }
                for name in names {
                    try entries[name]?.bytes.withUnsafeBytes { try append($0) }
                }
            }
        } catch let error as FileWriteError {
            throw SafetensorsError(.io, path: error.path, error.reason)
        }
    }

    private static func appendLE<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
