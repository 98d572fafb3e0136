import Foundation
import Imaging

/// Scratch folders and small hand-made datasets for the tests.
enum TestFolders {
    /// A new empty folder under the system's temporary directory.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("t2i-datasets-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes an RGB PNG of one colour.
    static func writeSolidPNG(_ url: URL, size: Int, colour: (UInt8, UInt8, UInt8)) throws {
        try Image(width: size, height: size, format: .rgb, fill: colour).writePNG(to: url)
    }

    /// Writes `captions.jsonl` from raw lines.
    static func writeCaptions(_ lines: [String], in folder: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8)
            .write(to: folder.appendingPathComponent("captions.jsonl"))
    }

    /// A good `{"file": …, "text": …}` line.
    static func line(_ file: String, _ text: String) -> String {
        "{\"file\": \"\(file)\", \"text\": \"\(text)\"}"
    }
}
