import Foundation
import Imaging
import Testing

/// Alpha composited over white with c' = (c*a + 255*(255-a) + 127) / 255.
@Suite struct ImageCompositingTests {
    @Test func halfTransparentRed() throws {
        let rgba = try Image(width: 1, height: 1, format: .rgba, pixels: [255, 0, 0, 128])
        #expect(rgba.converted(to: .rgb).pixels == [255, 127, 127])
    }

    @Test func formulaOnEdgeValues() throws {
        let rgba = try Image(width: 4, height: 1, format: .rgba,
                             pixels: [0, 0, 0, 0, 10, 20, 30, 255, 0, 100, 200, 1, 0, 100, 200, 254])
        // a=0 → white; a=255 → unchanged; a=1: (0+255*254+127)/255 = 254, (100+64770+127)/255 = 254;
        // a=254: (0+255+127)/255 = 1, (25400+255+127)/255 = 101, (50800+255+127)/255 = 200.
        #expect(rgba.converted(to: .rgb).pixels == [255, 255, 255, 10, 20, 30, 254, 254, 255, 1, 101, 200])
    }

    @Test func throughAFile() throws {
        let rgba = try Image(width: 1, height: 1, format: .rgba, pixels: [255, 0, 0, 128])
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("red.png")
            try rgba.writePNG(to: url)
            #expect(try Image.readPNG(at: url).pixels == [255, 127, 127])
            #expect(try Image.readPNG(at: url, compositeOverWhite: false).pixels == [255, 0, 0])
            #expect(try Image.readPNG(at: url, as: .rgba).pixels == [255, 0, 0, 128])
        }
    }

    @Test func rgbToRGBAAddsOpaqueAlpha() throws {
        let rgb = try Image(width: 2, height: 1, format: .rgb, pixels: [1, 2, 3, 4, 5, 6])
        #expect(rgb.converted(to: .rgba).pixels == [1, 2, 3, 255, 4, 5, 6, 255])
        #expect(rgb.converted(to: .rgba).converted(to: .rgb) == rgb)
    }
}
