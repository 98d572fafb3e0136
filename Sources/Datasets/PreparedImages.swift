#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dataset's decoded and resized images, each stored channel-planar `(3, h, w)` bytes — the
/// order of one NCHW tensor row — one after another in one block of memory, which is either owned
/// or a read-only mapping of a prepared file (``PreparedDatasetFile``).
///
/// Images keep their aspect ratio: the shorter side is the dataset's size, the longer side what
/// resizing made of it, so crops (centre or random) are taken when batches are made.
public final class PreparedImages: @unchecked Sendable {
    /// Width and height of each image.
    public let widths: [Int], heights: [Int]
    /// Each image's first byte within ``bytes``.
    let offsets: [Int]
    /// All images.
    let bytes: UnsafeRawBufferPointer
    private let release: () -> Void

    /// Owned memory for images of these sizes, filled by `fill`, which gets the whole block and
    /// each image's offset in it (as ``offsets(widths:heights:)`` gives them).
    init(widths: [Int], heights: [Int], fill: (UnsafeMutableBufferPointer<UInt8>, [Int]) -> Void) {
        let offsets = Self.offsets(widths: widths, heights: heights)
        let total = offsets.last.map { $0 + 3 * widths.last! * heights.last! } ?? 0
        let memory = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(total, 1))
        memory.initialize(repeating: 0)
        fill(UnsafeMutableBufferPointer(rebasing: memory[0..<total]), offsets)
        self.widths = widths
        self.heights = heights
        self.offsets = offsets
        self.bytes = UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: memory[0..<total]))
        self.release = { memory.deallocate() }
    }

    /// Images inside a mapping made by the caller; `release` unmaps it when the images go.
    init(widths: [Int], heights: [Int], offsets: [Int], bytes: UnsafeRawBufferPointer, release: @escaping () -> Void) {
        self.widths = widths
        self.heights = heights
        self.offsets = offsets
        self.bytes = bytes
        self.release = release
    }

    deinit { release() }

    /// The number of images.
    public var count: Int { widths.count }

    /// Where each image starts when images of these sizes are packed one after another.
    static func offsets(widths: [Int], heights: [Int]) -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(widths.count)
        var at = 0
        for (w, h) in zip(widths, heights) {
            offsets.append(at)
            at += 3 * w * h
        }
        return offsets
    }
}
