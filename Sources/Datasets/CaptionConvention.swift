import Foundation

/// How a dataset folder pairs images with captions; ``detect(in:)`` picks one by the files present.
///
/// - `captions.jsonl`: t2i's own, one `{"file": …, "text": …}` object per line (DESIGN §5).
/// - `metadata.jsonl`: Hugging Face `datasets`' `imagefolder` convention, one
///   `{"file_name": …, "text": …}` object per line; the caption column can be renamed
///   (`data.caption_column`).
/// - sidecar files: the LoRA-training tools' convention, `NAME.txt` or `NAME.caption` beside each
///   image `NAME.png`/`NAME.jpg`; every non-blank line of it is a caption.
///
/// In the two JSON conventions a caption may also be a list of strings; in all three an image with
/// several captions gets one drawn per epoch.
public enum CaptionConvention: String, Sendable, Codable, CaseIterable {
    case captionsJSONL = "captions.jsonl"
    case metadataJSONL = "metadata.jsonl"
    case sidecar = "sidecar"

    /// The file name of the JSON conventions' caption file.
    public var fileName: String? {
        switch self {
        case .captionsJSONL: CaptionedDataset.captionsFileName
        case .metadataJSONL: CaptionedDataset.metadataFileName
        case .sidecar: nil
        }
    }

    /// How `t2i data info` names it.
    public var summary: String {
        switch self {
        case .captionsJSONL: "captions.jsonl (t2i: \"file\", \"text\")"
        case .metadataJSONL: "metadata.jsonl (Hugging Face imagefolder: \"file_name\" and the caption column)"
        case .sidecar: "sidecar caption files (NAME.txt or NAME.caption beside each image)"
        }
    }

    /// `captions.jsonl` when the folder has one, else `metadata.jsonl` when it has one, else
    /// sidecar files.
    ///
    /// - Throws: ``DatasetError/folderNotFound(_:)`` when `folder` does not exist,
    ///   ``DatasetError/readFailed(_:reason:)`` when it is not a folder.
    public static func detect(in folder: URL) throws -> CaptionConvention {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            throw DatasetError.folderNotFound(folder.path)
        }
        guard isDirectory.boolValue else { throw DatasetError.readFailed(folder.path, reason: "not a folder") }
        for convention in [captionsJSONL, metadataJSONL] {
            if let name = convention.fileName,
               FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
                return convention
            }
        }
        return .sidecar
    }
}
