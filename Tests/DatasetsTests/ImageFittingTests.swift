import Testing
import Imaging
import Datasets

/// `Image.fitted(to:)`: shorter side scaled, centre crop, never distorted.
@Suite struct ImageFittingTests {
    /// A `width`×`height` image whose pixel colour is `colour(x, y)`.
    static func image(_ width: Int, _ height: Int, _ colour: (Int, Int) -> (UInt8, UInt8, UInt8)) throws -> Image {
        var image = try Image(width: width, height: height, format: .rgb)
        for y in 0..<height {
            for x in 0..<width {
                let (r, g, b) = colour(x, y)
                image[x, y, 0] = r
                image[x, y, 1] = g
                image[x, y, 2] = b
            }
        }
        return image
    }

    @Test func wideImageKeepsItsCentre() throws {
        // 64×32: red left quarter, blue middle half, green right quarter → the centre square is all blue.
        let wide = try Self.image(64, 32) { x, _ in x < 16 ? (255, 0, 0) : x < 48 ? (0, 0, 255) : (0, 255, 0) }
        let fitted = wide.fitted(to: 16)
        #expect(fitted.width == 16 && fitted.height == 16 && fitted.format == .rgb)
        #expect(stride(from: 0, to: fitted.pixels.count, by: 3).allSatisfy { fitted.pixels[$0] == 0 && fitted.pixels[$0 + 2] == 255 })
    }

    @Test func tallImageIsCroppedVerticallyAndAveraged() throws {
        // 8×12: rows 0–1 and 10–11 black (cropped away), rows 2–9 alternate white/black columns,
        // so a 2× downscale averages each 2×2 block to 127.5 → 128.
        let tall = try Self.image(8, 12) { x, y in y < 2 || y >= 10 ? (0, 0, 0) : x % 2 == 0 ? (255, 255, 255) : (0, 0, 0) }
        let fitted = tall.fitted(to: 4)
        #expect(fitted.width == 4 && fitted.height == 4)
        #expect(fitted.pixels.allSatisfy { $0 == 128 })
    }

    @Test func exactSizeIsUnchangedAndAlphaIsCompositedOnWhite() throws {
        let square = try Self.image(5, 5) { x, y in (UInt8(x * 50), UInt8(y * 50), 7) }
        #expect(square.fitted(to: 5) == square)
        var clear = try Image(width: 2, height: 2, format: .rgba, fill: (0, 0, 0))
        for i in 0..<4 { clear[i % 2, i / 2, 3] = 0 }
        #expect(clear.fitted(to: 2).pixels == [UInt8](repeating: 255, count: 12))
    }
}
