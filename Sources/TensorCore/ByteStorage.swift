import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Read-only bytes of a file, either memory-mapped or read into an owned allocation.
///
/// Unsafe sendability is confined here: the bytes are never written after `init`, and the mapping
/// or allocation lives exactly as long as this object.
final class ByteStorage: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let isMapped: Bool

    /// Maps `path` read-only. An empty file gets a 1-byte allocation, since `mmap` refuses length 0.
    init(mapping path: String) throws {
        let fd = try Self.openForReading(path)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.ioError(path) }
        let size = Int(info.st_size)
        if size == 0 {
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16))
            count = 0
            isMapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw Self.ioError(path)
        }
        base = UnsafeRawPointer(p)
        count = size
        isMapped = true
    }

    /// Reads all of `path` into memory.
    init(reading path: String) throws {
        let fd = try Self.openForReading(path)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.ioError(path) }
        let size = Int(info.st_size)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        var done = 0
        while done < size {
            let n = read(fd, buffer + done, size - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                buffer.deallocate()
                throw SafetensorsError(.io, path: path, n == 0 ? "file shrank while reading" : String(cString: strerror(errno)))
            }
            done += n
        }
        base = UnsafeRawPointer(buffer)
        count = size
        isMapped = false
    }

    /// Copies `bytes` into an owned allocation.
    init(copying bytes: [UInt8]) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress { buffer.copyMemory(from: s, byteCount: src.count) }
        }
        base = UnsafeRawPointer(buffer)
        count = bytes.count
        isMapped = false
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    private static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw SafetensorsError(.fileNotFound, path: path, "no such file") }
            throw ioError(path)
        }
        return fd
    }

    private static func ioError(_ path: String) -> SafetensorsError {
        SafetensorsError(.io, path: path, String(cString: strerror(errno)))
    }
}
