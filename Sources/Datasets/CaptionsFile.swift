import Foundation
import TensorCore

/// Writes a dataset's `captions.jsonl` atomically (DESIGN §7), one line per entry.
enum CaptionsFile {
    /// Writes `lines` (each one JSON object, see ``CaptionsLine``) to `folder/captions.jsonl`.
    static func write(lines: [String], to folder: URL) throws {
        let url = folder.appendingPathComponent(CaptionedDataset.captionsFileName)
        var text = lines.joined(separator: "\n")
        if !lines.isEmpty { text += "\n" }
        do {
            try AtomicFile.write(Array(text.utf8), to: url)
        } catch let error as FileWriteError {
            throw DatasetError.writeFailed(url.path, reason: error.reason)
        } catch {
            throw DatasetError.writeFailed(url.path, reason: "\(error)")
        }
    }
}
