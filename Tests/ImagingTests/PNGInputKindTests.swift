import Imaging
import Testing

/// Each PNG input kind, written by hand (PNGFixture), decodes to exact 8-bit values.
@Suite struct PNGInputKindTests {
    @Test func gray8() throws {
        let png = PNGFixture.png(width: 2, height: 2, bitDepth: 8, colorType: 0, rows: [[0, 100], [200, 255]])
        let rgb = try Image(pngData: png, name: "gray8.png")
        #expect(rgb.format == .rgb && rgb.width == 2 && rgb.height == 2)
        #expect(rgb.pixels == [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255])
        let rgba = try Image(pngData: png, name: "gray8.png", as: .rgba)
        #expect(rgba.pixels == [0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255, 255, 255, 255, 255])
    }

    /// 1-bit gray (packed 8 pixels a byte) expands to 0 and 255.
    @Test func gray1() throws {
        let png = PNGFixture.png(width: 3, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0000]])
        let rgb = try Image(pngData: png, name: "gray1.png")
        #expect(rgb.pixels == [255, 255, 255, 0, 0, 0, 255, 255, 255])
    }

    /// 16-bit samples v * 257 scale exactly to v (treated as sRGB, not linear, without gAMA).
    @Test func gray16() throws {
        let values = [0, 1, 100, 128, 254, 255]
        let png = PNGFixture.png(width: 3, height: 2, bitDepth: 16, colorType: 0,
                                 rows: [values[0..<3].flatMap { PNGFixture.be16($0 * 257) },
                                        values[3..<6].flatMap { PNGFixture.be16($0 * 257) }])
        let rgb = try Image(pngData: png, name: "gray16.png")
        #expect(rgb.pixels == values.flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
    }

    /// 16-bit samples between multiples of 257 round to the nearest 8-bit value.
    @Test func gray16Rounding() throws {
        // 0x1234 = 4660 → 4660 / 257 = 18.13 → 18;  0x80FF = 33023 → 128.49 → 128;  0x8100 → 128.5 → ?
        let png = PNGFixture.png(width: 2, height: 1, bitDepth: 16, colorType: 0,
                                 rows: [PNGFixture.be16(0x1234) + PNGFixture.be16(0x80FF)])
        let rgb = try Image(pngData: png, name: "gray16r.png")
        #expect(rgb.pixels == [18, 18, 18, 128, 128, 128])
    }

    @Test func grayAlpha8() throws {
        let png = PNGFixture.png(width: 4, height: 1, bitDepth: 8, colorType: 4,
                                 rows: [[50, 255, 200, 0, 0, 128, 255, 128]])
        let rgba = try Image(pngData: png, name: "ga8.png", as: .rgba)
        #expect(rgba.pixels == [50, 50, 50, 255, 200, 200, 200, 0, 0, 0, 0, 128, 255, 255, 255, 128])
        // Over white: (c*a + 255*(255-a) + 127) / 255.
        let rgb = try Image(pngData: png, name: "ga8.png")
        #expect(rgb.pixels == [50, 50, 50, 255, 255, 255, 127, 127, 127, 255, 255, 255])
        let dropped = try Image(pngData: png, name: "ga8.png", compositeOverWhite: false)
        #expect(dropped.pixels == [50, 50, 50, 200, 200, 200, 0, 0, 0, 255, 255, 255])
    }

    @Test func grayAlpha16() throws {
        let png = PNGFixture.png(width: 2, height: 1, bitDepth: 16, colorType: 4,
                                 rows: [PNGFixture.be16(10 * 257) + PNGFixture.be16(65535)
                                        + PNGFixture.be16(240 * 257) + PNGFixture.be16(0)])
        let rgba = try Image(pngData: png, name: "ga16.png", as: .rgba)
        #expect(rgba.pixels.prefix(4) == [10, 10, 10, 255])
        #expect(rgba.pixels[7] == 0)
    }

    @Test func rgb8() throws {
        let png = PNGFixture.png(width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[1, 2, 3, 250, 251, 252]])
        #expect(try Image(pngData: png, name: "rgb8.png").pixels == [1, 2, 3, 250, 251, 252])
    }

    @Test func rgb16() throws {
        let samples = [0, 255, 17, 200, 100, 1, 128, 64, 32, 254, 253, 2]
        let png = PNGFixture.png(width: 2, height: 2, bitDepth: 16, colorType: 2,
                                 rows: [samples[0..<6].flatMap { PNGFixture.be16($0 * 257) },
                                        samples[6..<12].flatMap { PNGFixture.be16($0 * 257) }])
        let rgb = try Image(pngData: png, name: "rgb16.png")
        #expect(rgb.pixels == samples.map { UInt8($0) })
        let rgba = try Image(pngData: png, name: "rgb16.png", as: .rgba)
        #expect(rgba.pixel(x: 1, y: 1) == [254, 253, 2, 255])
    }

    @Test func rgba8() throws {
        let row: [UInt8] = [10, 20, 30, 255, 40, 50, 60, 0, 255, 0, 0, 128]
        let png = PNGFixture.png(width: 3, height: 1, bitDepth: 8, colorType: 6, rows: [row])
        #expect(try Image(pngData: png, name: "rgba8.png", as: .rgba).pixels == row)
        #expect(try Image(pngData: png, name: "rgba8.png").pixels == [10, 20, 30, 255, 255, 255, 255, 127, 127])
    }

    @Test func rgba16OpaquePixels() throws {
        let png = PNGFixture.png(width: 1, height: 1, bitDepth: 16, colorType: 6,
                                 rows: [[9, 200, 17].flatMap { PNGFixture.be16($0 * 257) } + PNGFixture.be16(65535)])
        #expect(try Image(pngData: png, name: "rgba16.png", as: .rgba).pixels == [9, 200, 17, 255])
    }

    @Test func paletteWithTRNS() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 7, 8, 9]
        let png = PNGFixture.png(width: 2, height: 2, bitDepth: 8, colorType: 3,
                                 extra: [("PLTE", palette), ("tRNS", [255, 128, 0])],  // entry 3: opaque
                                 rows: [[0, 1], [2, 3]])
        let rgba = try Image(pngData: png, name: "pal.png", as: .rgba)
        #expect(rgba.pixels == [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 7, 8, 9, 255])
        let rgb = try Image(pngData: png, name: "pal.png")
        #expect(rgb.pixels == [255, 0, 0, 127, 255, 127, 255, 255, 255, 7, 8, 9])
    }

    /// 2-bit palette indices, packed four a byte, without tRNS.
    @Test func palette2Bit() throws {
        let palette: [UInt8] = [0, 0, 0, 10, 20, 30, 40, 50, 60, 255, 255, 255]
        let png = PNGFixture.png(width: 4, height: 1, bitDepth: 2, colorType: 3,
                                 extra: [("PLTE", palette)], rows: [[0b11_10_01_00]])
        let rgb = try Image(pngData: png, name: "pal2.png")
        #expect(rgb.pixels == [255, 255, 255, 40, 50, 60, 10, 20, 30, 0, 0, 0])
    }

    /// Gray with a tRNS key colour: that gray value becomes transparent.
    @Test func grayWithTRNSKey() throws {
        let png = PNGFixture.png(width: 2, height: 1, bitDepth: 8, colorType: 0,
                                 extra: [("tRNS", PNGFixture.be16(7))], rows: [[7, 8]])
        let rgba = try Image(pngData: png, name: "graykey.png", as: .rgba)
        #expect(rgba.pixels == [7, 7, 7, 0, 8, 8, 8, 255])
    }
}
