import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Atomic file writes: a temporary file in the destination's folder, flushed, then renamed over it.
///
/// A reader never sees a half-written checkpoint or image (DESIGN §7): `rename(2)` within one file
/// system replaces the destination in a single step, and a crash leaves at worst a stray `*.tmp`.
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try bytes.withUnsafeBytes { try write(UnsafeRawBufferPointer($0), to: url) }
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try data.withUnsafeBytes { try write($0, to: url) }
    }

    /// Writes the bytes produced by `body` into a file, streaming chunks, and renames it into place.
    ///
    /// `body` receives an `append` function; use it to write large files without first assembling
    /// them in memory.
    public static func write(to url: URL, _ body: (_ append: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let temp = folder + "/." + url.lastPathComponent + ".\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
        }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try body { chunk in
                var offset = 0
                while offset < chunk.count {
                    let n = Glibc.write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else {
                throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
            }
            closed = true
            guard close(fd) == 0 else {
                throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
            }
            guard rename(temp, path) == 0 else {
                throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            unlink(temp)
            throw error
        }
    }

    private static func write(_ buffer: UnsafeRawBufferPointer, to url: URL) throws {
        try write(to: url) { append in try append(buffer) }
    }
}

/// A file could not be written; names the file and the system's reason.
public struct FileWriteError: Error, CustomStringConvertible {
    /// The destination path.
    public let path: String
    /// The operating system's explanation.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write \(path): \(reason)" }
}
