import Foundation

/// An error from reading, generating or importing a dataset; its description is one line naming
/// the file or folder and what is wrong (DESIGN §7).
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A dataset folder has no caption file and no images; the path is its `captions.jsonl`'s.
    case captionsNotFound(String)
    /// More than 1 % of a dataset's entries are bad; the folder and what validation found.
    case tooManyBadEntries(folder: String, report: DatasetReport)
    /// A dataset has no usable entry at all; the path is its `captions.jsonl`.
    case noUsableEntries(String, report: DatasetReport)
    /// A file or folder could not be read.
    case readFailed(String, reason: String)
    /// A file or folder could not be written.
    case writeFailed(String, reason: String)
    /// A folder given as input does not exist.
    case folderNotFound(String)
    /// An emoji name file (`emoji-test.txt`) has no usable line.
    case noEmojiNames(String)
    /// An argument given by the caller is invalid.
    case invalidArgument(String)
    /// Generation into the folder was interrupted (Ctrl-C); what it had written was removed.
    case interrupted(String, removed: Int)

    /// One line: the file or folder, then what is wrong.
    public var description: String {
        switch self {
        case .captionsNotFound(let path):
            return "\(path): no such file, and no images in the folder (a dataset is a folder of PNG or JPEG images "
                + "with \(CaptionedDataset.captionsFileName), \(CaptionedDataset.metadataFileName), or a NAME.txt beside each image NAME.png)"
        case .tooManyBadEntries(let folder, let report):
            let percent = String(format: "%.1f", 100 * Double(report.badCount) / Double(max(report.entryCount, 1)))
            return "dataset \(folder): \(report.badCount) of \(report.entryCount) entries are bad "
                + "(\(percent) %, more than 1 %): \(report.countsSummary); first: \(report.firstIssuesSummary)"
                + " (--allow-bad skips them)"
        case .noUsableEntries(let path, let report):
            let found = report.badCount == 0 ? "" : ": \(report.countsSummary); first: \(report.firstIssuesSummary)"
            return "\(path): no usable entries (\(report.entryCount) read)\(found)"
        case .readFailed(let path, let reason):
            return "\(path): cannot read: \(Self.oneLine(reason))"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write: \(Self.oneLine(reason))"
        case .folderNotFound(let path):
            return "\(path): no such folder"
        case .noEmojiNames(let path):
            return "\(path): no emoji names found (expected lines like "
                + "\"1F600 ; fully-qualified # 😀 E1.0 grinning face\", as in emoji-test.txt)"
        case .invalidArgument(let message):
            return "invalid argument: \(Self.oneLine(message))"
        case .interrupted(let path, let removed):
            return "\(path): interrupted; removed the \(removed) image\(removed == 1 ? "" : "s") written, no captions.jsonl was written"
        }
    }

    /// Keeps the description on one line even when a reason (an OS message) has newlines.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension DatasetError: LocalizedError {
    /// The same line as `description`.
    public var errorDescription: String? { description }
}
