import Foundation
import Imaging
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// The prepared cache of a dataset (issue 15): every image decoded, composited and resized once,
/// packed into one file under the dataset folder that later loads map into memory instead of
/// decoding again.
///
/// Layout: the 8 bytes `T2IPREP1`, a little-endian `UInt64` header length, the JSON ``Header``,
/// zero padding to a multiple of 64, then each image's `(3, h, w)` bytes in entry order. The header's
/// `key` is a digest of everything the contents depend on (see ``CaptionedDataset``): a file whose key
/// differs, or that is damaged in any way, is ignored and rebuilt.
enum PreparedDatasetFile {
    static let magic = Array("T2IPREP1".utf8)
    /// The header's format version; a change of layout or of the preprocessing bumps it.
    static let version = 1

    /// Everything but the pixels.
    struct Header: Codable {
        var version: Int
        var key: String
        var size: Int
        var filter: ResampleFilter
        var convention: CaptionConvention
        var entries: [DatasetEntry]
        var widths: [Int]
        var heights: [Int]
        var report: DatasetReport
    }

    /// Writes the header and the pixels, atomically.
    static func write(_ header: Header, images: PreparedImages, to url: URL) throws {
        let json = try JSONEncoder().encode(header)
        var head = magic
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { head += $0 }
        head += json
        head += [UInt8](repeating: 0, count: (64 - head.count % 64) % 64)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(to: url) { append in
            try head.withUnsafeBytes { try append($0) }
            // In chunks of 16 MiB, so no second copy of a large dataset is made.
            var at = 0
            while at < images.bytes.count {
                let end = min(at + (16 << 20), images.bytes.count)
                try append(UnsafeRawBufferPointer(rebasing: images.bytes[at..<end]))
                at = end
            }
        }
    }

    /// The file's header and its images mapped read-only, when the file exists, is whole and
    /// carries `key`; nil otherwise (missing, damaged, or made from other inputs or settings).
    static func read(_ url: URL, key: String) -> (Header, PreparedImages)? {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size >= 16 else { return nil }
        let length = Int(info.st_size)
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        let unmap = { _ = munmap(base, length) }
        let file = UnsafeRawBufferPointer(start: base, count: length)
        guard let header = parse(file, key: key) else {
            unmap()
            return nil
        }
        let images = PreparedImages(widths: header.header.widths, heights: header.header.heights,
                                    offsets: PreparedImages.offsets(widths: header.header.widths, heights: header.header.heights),
                                    bytes: UnsafeRawBufferPointer(rebasing: file[header.dataStart...]), release: unmap)
        return (header.header, images)
    }

    /// The header and where the pixels start, when `file` is a whole prepared file made with `key`.
    static func parse(_ file: UnsafeRawBufferPointer, key: String) -> (header: Header, dataStart: Int)? {
        guard file.count >= 16, Array(file[0..<8]) == magic else { return nil }
        let jsonLength = file.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
        guard jsonLength <= UInt64(file.count - 16) else { return nil }
        let jsonEnd = 16 + Int(jsonLength)
        let dataStart = (jsonEnd + 63) / 64 * 64
        guard dataStart <= file.count,
              let header = try? JSONDecoder().decode(Header.self, from: Data(file[16..<jsonEnd])),
              header.version == version, header.key == key,
              header.widths.count == header.entries.count, header.heights.count == header.entries.count else { return nil }
        // Every image at least size×size (the crop must fit) and the bytes exactly the file's rest.
        var total = 0
        for (w, h) in zip(header.widths, header.heights) {
            guard w >= header.size, h >= header.size, w <= Int(Int32.max), h <= Int(Int32.max) else { return nil }
            let (bytes, overflow) = (3 * w).multipliedReportingOverflow(by: h)
            guard !overflow else { return nil }
            total += bytes
            guard total <= file.count - dataStart else { return nil }
        }
        guard total == file.count - dataStart else { return nil }
        return (header, dataStart)
    }
}
