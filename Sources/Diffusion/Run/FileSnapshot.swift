import Foundation
import TensorCore

/// Some files' bytes and times (or that they were absent), to put back when a command that wrote
/// them is refused before its work began: a training stage writes the run's config.yaml and starts
/// its log, then finds the checkpoint unreadable or the batch too large; the run must be as it was.
public struct FileSnapshot {
    private let saved: [(url: URL, data: Data?, times: [timespec])]

    /// Reads `files` now.
    public init(_ files: [URL]) {
        saved = files.map { url in
            var info = stat()
            guard stat(url.path, &info) == 0, let data = try? Data(contentsOf: url) else { return (url, nil, []) }
            return (url, data, [info.st_atim, info.st_mtim])
        }
    }

    /// Puts every file back as it was read (a file that was absent is removed).
    public func restore() {
        for file in saved {
            if let data = file.data {
                try? AtomicFile.write(data, to: file.url)
                _ = utimensat(AT_FDCWD, file.url.path, file.times, 0)  // the times to the nanosecond
            } else {
                try? FileManager.default.removeItem(at: file.url)
            }
        }
    }
}
