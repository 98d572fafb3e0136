import Foundation

/// `logs/<stage>.jsonl`: one JSON object per logged step (step, loss, lr, grad norm, throughput, …).
public struct TrainingLog {
    public let url: URL

    /// Opens the log; on resume, lines for steps after `resumeStep` (written after the checkpoint
    /// that is being resumed) are dropped so the log reads as one uninterrupted run.
    public init(url: URL, resumeStep: Int?) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fm = FileManager.default
        if let resumeStep, fm.fileExists(atPath: url.path) {
            let text = try String(contentsOf: url, encoding: .utf8)
            let kept = text.split(separator: "\n").filter { line in
                guard let data = line.data(using: .utf8),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let step = object["step"] as? Int else { return true }
                return step <= resumeStep
            }
            try Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8).write(to: url, options: .atomic)
        } else if resumeStep == nil {
            try Data().write(to: url, options: .atomic)
        }
    }

    /// Appends one record.
    public func append(_ record: [String: Double], step: Int) throws {
        var fields = ["\"step\":\(step)"]
        for key in record.keys.sorted() {
            let v = record[key] ?? 0
            fields.append("\"\(key)\":\(v.isFinite ? String(v) : "null")")
        }
        let line = "{" + fields.joined(separator: ",") + "}\n"
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }
}
