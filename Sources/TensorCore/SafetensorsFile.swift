import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where one tensor lives in a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Byte range relative to the start of the data section (after the header).
    public let dataOffsets: Range<Int>

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file opened for reading, by memory map or by reading it whole.
///
/// Format (huggingface/safetensors `README.md`): an 8-byte little-endian header length N, N bytes of
/// JSON mapping each tensor name to `{dtype, shape, data_offsets}` plus an optional
/// `__metadata__` string map, then the data section. Everything the header claims is validated when
/// the file is opened, so later reads cannot go out of bounds.
public final class SafetensorsFile: @unchecked Sendable {
    // Sendable because every stored property is immutable after init and the bytes are read-only.

    /// How the bytes are brought into memory.
    public enum LoadMode: Sendable {
        /// `mmap(2)` the file: pages are read on demand and shared with the page cache.
        case memoryMap
        /// Read the whole file into an allocation owned by this object.
        case read
    }

    /// Headers larger than this are refused (the Python library uses the same 100 MB bound).
    public static let maxHeaderLength = 100_000_000

    /// The file path (or the name given to an in-memory buffer), used in every error.
    public let path: String
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// Every tensor in the file, by name.
    public let tensors: [String: SafetensorsTensorInfo]

    private let storage: ByteStorage
    private let dataStart: Int

    /// Tensor names in sorted order.
    public var names: [String] { tensors.keys.sorted() }

    /// Opens and validates the file at `url`.
    public convenience init(contentsOf url: URL, mode: LoadMode = .memoryMap) throws {
        let path = url.path
        let storage: ByteStorage
        switch mode {
        case .memoryMap: storage = try ByteStorage(mapping: path)
        case .read: storage = try ByteStorage(reading: path)
        }
        try self.init(storage: storage, path: path)
    }

    /// Validates an in-memory safetensors buffer; `name` stands for the file in errors.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(storage: ByteStorage(copying: bytes), path: name)
    }

    private init(storage: ByteStorage, path: String) throws {
        self.storage = storage
        self.path = path
        let total = storage.count
        guard total >= 8 else {
            throw SafetensorsError(.truncated, path: path, "file is \(total) bytes, too short for the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 {
            headerLength |= UInt64(storage.base.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i))
        }
        guard headerLength <= UInt64(Self.maxHeaderLength) else {
            throw SafetensorsError(.headerTooLarge, path: path, "header length \(headerLength) exceeds the \(Self.maxHeaderLength)-byte limit")
        }
        guard Int(headerLength) <= total - 8 else {
            throw SafetensorsError(.truncated, path: path, "header length \(headerLength) runs past the end of the \(total)-byte file")
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = Data(bytes: storage.base + 8, count: Int(headerLength))
        let parsed = try Self.parseHeader(headerBytes, dataLength: total - dataStart, path: path)
        metadata = parsed.metadata
        tensors = parsed.tensors
    }

    /// The header entry of `name`, or an error naming the tensor and the file.
    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = tensors[name] else {
            throw SafetensorsError(.missingTensor, path: path, tensor: name, "no such tensor in the file")
        }
        return info
    }

    /// Calls `body` with the raw little-endian bytes of tensor `name` (valid only inside `body`).
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try info(name)
        let buffer = UnsafeRawBufferPointer(start: storage.base + dataStart + info.dataOffsets.lowerBound,
                                            count: info.dataOffsets.count)
        return try withExtendedLifetime(storage) { try body(buffer) }
    }

    /// A copy of the raw bytes of tensor `name`.
    public func bytes(_ name: String) throws -> [UInt8] {
        try withRawBytes(name) { Array($0) }
    }

    /// Tensor `name` converted to Float32 (from any float type, or exactly from small integers).
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name)
        return try withRawBytes(name) { raw in
            let n = info.elementCount
            // x: raw little-endian elements of `info.dtype`  out: (n) Float32
            switch info.dtype {
            case .f32: return (0..<n).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
            case .f64: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) }
            case .f16: return (0..<n).map { HalfPrecision.float(fromF16: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            case .bf16: return (0..<n).map { HalfPrecision.float(fromBF16: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            case .i32: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            case .i64: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .i16: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
            case .i8: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
            case .u8, .bool: return (0..<n).map { Float(raw[$0]) }
            case .u16: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            case .u32, .u64:
                throw SafetensorsError(.unsupportedConversion, path: path, tensor: name, "cannot convert \(info.dtype.rawValue) to F32")
            }
        }
    }

    /// Tensor `name` as Int64 (from any integer type).
    public func int64s(_ name: String) throws -> [Int64] {
        let info = try info(name)
        return try withRawBytes(name) { raw in
            let n = info.elementCount
            switch info.dtype {
            case .i64: return (0..<n).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) }
            case .i32: return (0..<n).map { Int64(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            case .i16: return (0..<n).map { Int64(raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
            case .i8: return (0..<n).map { Int64(raw.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
            case .u8, .bool: return (0..<n).map { Int64(raw[$0]) }
            case .u16: return (0..<n).map { Int64(raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            case .u32: return (0..<n).map { Int64(raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
            default:
                throw SafetensorsError(.unsupportedConversion, path: path, tensor: name, "cannot convert \(info.dtype.rawValue) to an integer type")
            }
        }
    }

    /// Tensor `name` as Int32 (from I32, or from I64 when every value fits).
    public func int32s(_ name: String) throws -> [Int32] {
        let wide = try int64s(name)
        var out = [Int32]()
        out.reserveCapacity(wide.count)
        for v in wide {
            guard let narrow = Int32(exactly: v) else {
                throw SafetensorsError(.unsupportedConversion, path: path, tensor: name, "value \(v) does not fit in I32")
            }
            out.append(narrow)
        }
        return out
    }

    // MARK: Header validation

    private static func parseHeader(_ header: Data, dataLength: Int, path: String)
        throws -> (metadata: [String: String], tensors: [String: SafetensorsTensorInfo])
    {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw SafetensorsError(.invalidHeader, path: path, "header is not well-formed JSON")
        }
        guard let object = json as? [String: Any] else {
            throw SafetensorsError(.invalidHeader, path: path, "header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensorInfo] = [:]
        // In name order, so that a file with several bad entries always names the same one first.
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw SafetensorsError(.invalidHeader, path: path, "__metadata__ is not an object")
                }
                for (k, v) in map.sorted(by: { $0.key < $1.key }) {
                    guard let s = v as? String else {
                        throw SafetensorsError(.invalidHeader, path: path, "__metadata__ value for '\(k)' is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            tensors[name] = try parseEntry(name: name, value, dataLength: dataLength, path: path)
        }
        // Ranges must not overlap (zero-length tensors overlap nothing).
        let sorted = tensors.values.filter { !$0.dataOffsets.isEmpty }
            .sorted { ($0.dataOffsets.lowerBound, $0.name) < ($1.dataOffsets.lowerBound, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.dataOffsets.lowerBound < a.dataOffsets.upperBound {
            throw SafetensorsError(.overlappingRanges, path: path, tensor: b.name,
                                   "bytes \(b.dataOffsets) overlap tensor '\(a.name)' at \(a.dataOffsets)")
        }
        return (metadata, tensors)
    }

    private static func parseEntry(name: String, _ value: Any, dataLength: Int, path: String) throws -> SafetensorsTensorInfo {
        func fail(_ kind: SafetensorsError.Kind, _ detail: String) -> SafetensorsError {
            SafetensorsError(kind, path: path, tensor: name, detail)
        }
        guard let entry = value as? [String: Any] else {
            throw fail(.invalidHeader, "header entry is not an object")
        }
        guard let dtypeName = entry["dtype"] as? String else {
            throw fail(.invalidHeader, "missing or non-string 'dtype'")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw fail(.unknownDType, "unknown dtype '\(dtypeName)'")
        }
        guard let shapeValues = entry["shape"] as? [Any],
              let shape = integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
            throw fail(.invalidHeader, "'shape' is not a list of non-negative integers")
        }
        guard let offsetValues = entry["data_offsets"] as? [Any],
              let offsets = integers(offsetValues), offsets.count == 2 else {
            throw fail(.invalidHeader, "'data_offsets' is not a pair of integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else {
            throw fail(.invalidHeader, "data_offsets [\(begin), \(end)] are not an ascending range")
        }
        guard end <= dataLength else {
            throw fail(.rangeOutsideFile, "data_offsets [\(begin), \(end)] lie outside the \(dataLength)-byte data section")
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let (bytes, overflow2) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, !overflow2, bytes == end - begin else {
            throw fail(.shapeMismatch, "shape \(shape) of \(dtypeName) needs \(count &* dtype.byteSize) bytes but data_offsets give \(end - begin)")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var out = [Int]()
        for v in values {
            // JSONSerialization hands back NSNumber; its decimal spelling rejects 2.5 and 2.0 alike
            // and stays exact above 2^53, where going through Double would not.
            guard let n = v as? NSNumber, let i = Int(n.stringValue) else { return nil }
            out.append(i)
        }
        return out
    }
}
