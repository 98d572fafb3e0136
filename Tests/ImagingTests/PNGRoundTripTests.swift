import Foundation
import Imaging
import Testing

/// Writing then reading a PNG gives back the exact pixels.
@Suite struct PNGRoundTripTests {
    /// Deterministic bytes covering 0...255 (a simple LCG; tests need no randomness).
    private func bytes(_ count: Int, seed: UInt32) -> [UInt8] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: s >> 24)
        }
    }

    @Test func rgbFile() throws {
        let image = try Image(width: 7, height: 5, format: .rgb, pixels: bytes(7 * 5 * 3, seed: 1))
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("rgb.png")
            try image.writePNG(to: url)
            #expect(try Image.readPNG(at: url) == image)
            #expect(try Image.readPNG(at: url, as: .rgba) == image.converted(to: .rgba))
            // Only the PNG is left in the folder: the atomic write's temporary file is gone.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["rgb.png"])
            // Overwriting an existing file works.
            let other = try Image(width: 2, height: 2, format: .rgb, fill: (1, 2, 3))
            try other.writePNG(to: url)
            #expect(try Image.readPNG(at: url) == other)
        }
    }

    /// Every alpha value, including colour under alpha 0, survives exactly (straight alpha).
    @Test func rgbaFile() throws {
        var pixels = bytes(16 * 16 * 4, seed: 2)
        for i in 0..<256 { pixels[i * 4 + 3] = UInt8(i) }
        let image = try Image(width: 16, height: 16, format: .rgba, pixels: pixels)
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("rgba.png")
            try image.writePNG(to: url)
            #expect(try Image.readPNG(at: url, as: .rgba) == image)
            #expect(try Image.readPNG(at: url) == image.converted(to: .rgb))
        }
    }

    /// A large incompressible image (noise) round-trips through the in-memory encoder.
    @Test func largeNoiseInMemory() throws {
        let image = try Image(width: 301, height: 203, format: .rgba, pixels: bytes(301 * 203 * 4, seed: 3))
        let png = try image.pngData()
        #expect(Array(png.prefix(8)) == PNGFixture.signature)
        let crcsOK = PNGFixture.chunks(png).allSatisfy(\.crcOK)
        #expect(crcsOK)
        #expect(try Image(pngData: png, name: "noise.png", as: .rgba) == image)
    }

    @Test func onePixel() throws {
        let image = try Image(width: 1, height: 1, format: .rgb, fill: (12, 34, 56))
        #expect(try Image(pngData: image.pngData(), name: "1px.png") == image)
    }

    @Test func invalidImageSizes() {
        #expect(throws: ImagingError.self) { try Image(width: 2, height: 2, format: .rgb, pixels: [1, 2, 3]) }
        #expect(throws: ImagingError.self) { try Image(width: 0, height: 2, format: .rgb, pixels: []) }
        #expect(throws: ImagingError.self) { try Image(width: -1, height: 2, format: .rgba, fill: (0, 0, 0)) }
    }
}
