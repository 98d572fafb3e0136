import Foundation
import Imaging
import Testing

/// Missing, truncated, non-PNG and damaged files are Swift errors that name the file.
@Suite struct PNGBadInputTests {
    /// A valid 4x4 RGB PNG written by the library, to damage.
    private func validPNG() throws -> [UInt8] {
        let pixels = (0..<48).map { UInt8($0 * 5) }
        return try Image(width: 4, height: 4, format: .rgb, pixels: pixels).pngData(text: [("k", "v")])
    }

    @Test func missingFile() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("does-not-exist.png")
            let error = #expect(throws: ImagingError.self) { try Image.readPNG(at: url) }
            #expect(error == .fileNotFound(url.path))
            #expect(error?.description.contains(url.path) == true)
            #expect(error?.description.contains("no such file") == true)
            let textError = #expect(throws: ImagingError.self) { try Image.readPNGText(at: url) }
            #expect(textError == .fileNotFound(url.path))
        }
    }

    @Test func truncatedFile() throws {
        let png = try validPNG()
        try withTemporaryDirectory { dir in
            // Cut inside IHDR, inside IDAT, just before IEND, and inside the signature.
            for length in [20, png.count / 2, png.count - 12, png.count - 1, 5, 0] {
                let url = dir.appendingPathComponent("truncated-\(length).png")
                try Data(png.prefix(length)).write(to: url)
                let error = #expect(throws: ImagingError.self, "cut at \(length)") { try Image.readPNG(at: url) }
                guard case .corrupt(let path, let reason)? = error else {
                    Issue.record("cut at \(length): expected .corrupt, got \(String(describing: error))")
                    continue
                }
                #expect(path == url.path)
                #expect(reason.contains("truncated"))
                #expect(error?.description.contains(url.path) == true)
                #expect(error?.description.contains("truncated") == true)
                #expect(throws: ImagingError.self) { try Image.readPNGText(at: url) }
            }
        }
    }

    @Test func notAPNGFile() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("photo.png")
            try Data("GIF89a this is not a PNG at all".utf8).write(to: url)
            let error = #expect(throws: ImagingError.self) { try Image.readPNG(at: url) }
            #expect(error == .notPNG(url.path))
            #expect(error?.description.contains(url.path) == true)
            #expect(error?.description.contains("not a PNG") == true)
            #expect(throws: ImagingError.notPNG(url.path)) { try Image.readPNGText(at: url) }
            // A one-byte non-PNG file is "not a PNG", not "truncated".
            try Data([0x47]).write(to: url)
            #expect(throws: ImagingError.notPNG(url.path)) { try Image.readPNG(at: url) }
        }
    }

    @Test func directoryIsReadFailure() throws {
        try withTemporaryDirectory { dir in
            let error = #expect(throws: ImagingError.self) { try Image.readPNG(at: dir) }
            guard case .readFailed(let path, _)? = error else {
                Issue.record("expected .readFailed, got \(String(describing: error))")
                return
            }
            #expect(path == dir.path)
        }
    }

    @Test func badCRCIsCorrupt() throws {
        var png = try validPNG()
        png[8 + 8 + 3] ^= 0x01  // a byte of IHDR's data (the width)
        let error = #expect(throws: ImagingError.self) { try Image(pngData: png, name: "bad-crc.png") }
        guard case .corrupt("bad-crc.png", let reason)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("CRC"))
        #expect(reason.contains("IHDR"))
    }

    /// Well-formed chunks around image data that is too short: the error is libpng's, no crash.
    @Test func shortImageDataIsLibpngError() throws {
        let png = PNGFixture.png(width: 4, height: 4, bitDepth: 8, colorType: 2,
                                 rows: [[UInt8](repeating: 7, count: 12)])  // 1 row of 4
        let error = #expect(throws: ImagingError.self) { try Image(pngData: png, name: "short.png") }
        guard case .corrupt("short.png", let reason)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("libpng: "))
        #expect(error?.description.hasPrefix("short.png: ") == true)
    }

    /// An invalid IHDR (bit depth 3) is rejected by libpng's begin_read.
    @Test func invalidHeaderIsLibpngError() throws {
        let png = PNGFixture.png(width: 1, height: 1, bitDepth: 3, colorType: 2, rows: [[1, 2, 3]])
        let error = #expect(throws: ImagingError.self) { try Image(pngData: png, name: "depth3.png") }
        guard case .corrupt("depth3.png", let reason)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("libpng: "))
    }

    @Test func writeToMissingFolderFails() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("no-such-folder/out.png")
            let image = try Image(width: 1, height: 1, format: .rgb, fill: (1, 2, 3))
            let error = #expect(throws: ImagingError.self) { try image.writePNG(to: url) }
            guard case .writeFailed(let path, _)? = error else {
                Issue.record("expected .writeFailed, got \(String(describing: error))")
                return
            }
            #expect(path == url.path)
            #expect(error?.description.contains(url.path) == true)
        }
    }

    @Test func errorDescriptionsAreOneLine() {
        let errors: [ImagingError] = [
            .fileNotFound("a.png"), .readFailed("a.png", reason: "x\ny"), .notPNG("a.png"),
            .corrupt("a.png", reason: "r"), .unsupported("a.png", reason: "r"),
            .writeFailed("a.png", reason: "r"), .invalidArgument("m"),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(error.localizedDescription == error.description)
            if let path = error.path { #expect(error.description.hasPrefix(path + ": ")) }
        }
    }
}
