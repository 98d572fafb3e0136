/// The in-memory layout of an ``Image``'s pixels: 8-bit RGB or RGBA, interleaved.
public enum PixelFormat: Int, Sendable, CaseIterable {
    /// Three bytes per pixel: red, green, blue.
    case rgb = 3
    /// Four bytes per pixel: red, green, blue, straight (not premultiplied) alpha.
    case rgba = 4

    /// Bytes (channels) per pixel: 3 or 4.
    public var channels: Int { rawValue }
}
