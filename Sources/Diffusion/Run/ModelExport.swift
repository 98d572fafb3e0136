import Foundation
import TensorCore

/// Copies a run's pipeline folder into a self-contained model folder, optionally in half precision:
/// what `t2i export` does and how `Data/models/shapes-32` was made.
///
/// The copy holds what generation and evaluation read — `model_index.json`, `config.yaml`,
/// `tokenizer/`, `text_encoder/`, `vae/`, `unet/`, `scheduler/` and (when the run has it) `clip/` —
/// and none of the training state, logs or previews. Weights are rewritten tensor by tensor in
/// `dtype` under the same names and metadata, so the folder still loads strictly in t2i, diffusers
/// and transformers. The folder is built beside the destination and renamed into place at the end,
/// so an interrupted export never leaves a half-written model where a model is expected.
public struct ModelExport: Sendable {
    /// One written weights file: its path inside the model folder, tensors and bytes.
    public struct WeightsFile: Sendable, Equatable {
        public let path: String
        public let tensors: Int
        public let bytes: Int
    }

    /// What the export wrote.
    public struct Report: Sendable {
        public let weights: [WeightsFile]
        /// Bytes of every file in the model folder.
        public let totalBytes: Int
    }

    /// Sub-folders copied when present; the first five are required (a complete pipeline).
    static let requiredFolders = ["tokenizer", "text_encoder", "vae", "unet", "scheduler"]
    static let optionalFolders = ["clip"]
    static let requiredFiles = ["model_index.json"]
    static let optionalFiles = ["config.yaml"]

    public let source: RunFolder
    public let destination: URL
    public let dtype: SafetensorsDType

    public init(source: RunFolder, destination: URL, dtype: SafetensorsDType) throws {
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw TrainingError("--dtype \(dtype.rawValue): weights can be exported as F32, F16 or BF16")
        }
        self.source = source
        self.destination = destination
        self.dtype = dtype
    }

    /// Throws unless the existing destination is a model folder this command could have written:
    /// never the source run, a folder holding it or inside it, a run folder (training state or
    /// logs), or any folder without `model_index.json`.
    func checkReplaceable() throws {
        let fm = FileManager.default
        let target = destination.resolvingSymlinksInPath().standardizedFileURL.path
        let run = source.url.resolvingSymlinksInPath().standardizedFileURL.path
        if target == run || run.hasPrefix(target + "/") || target.hasPrefix(run + "/") {
            throw TrainingError("\(destination.path): is the run being exported, or holds it or lies inside it; --force replaces only another model folder")
        }
        var isFolder: ObjCBool = false
        let isModel = fm.fileExists(atPath: destination.path, isDirectory: &isFolder) && isFolder.boolValue
            && fm.fileExists(atPath: destination.appendingPathComponent("model_index.json").path)
        let isRun = ["state", "logs"].contains { fm.fileExists(atPath: destination.appendingPathComponent($0).path) }
        guard isModel && !isRun else {
            throw TrainingError("\(destination.path): is not a model folder t2i exported (\(isRun ? "it holds a run's training state" : "no model_index.json")); --force replaces only those")
        }
    }

    /// Writes the model folder. An existing destination is replaced only when `replace` is true.
    public func run(replace: Bool) throws -> Report {
        let fm = FileManager.default
        for name in Self.requiredFolders + Self.requiredFiles {
            let url = source.url.appendingPathComponent(name)
            guard fm.fileExists(atPath: url.path) else {
                throw TrainingError("\(url.path): missing; \(source.url.path) is not a complete trained pipeline (train it with t2i train-encoder, train-ae and train-unet)")
            }
        }
        if fm.fileExists(atPath: destination.path) {
            guard replace else { throw TrainingError("\(destination.path): already exists (pass --force to replace it)") }
            try checkReplaceable()
        }
        let parent = destination.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).export-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: staging) }
        try fm.createDirectory(at: staging, withIntermediateDirectories: false)

        var weights: [WeightsFile] = []
        for name in Self.requiredFolders + Self.optionalFolders {
            let from = source.url.appendingPathComponent(name)
            guard fm.fileExists(atPath: from.path) else { continue }
            weights += try copyFolder(from, to: staging.appendingPathComponent(name), relativeName: name)
        }
        for name in Self.requiredFiles + Self.optionalFiles {
            let from = source.url.appendingPathComponent(name)
            guard fm.fileExists(atPath: from.path) else { continue }
            try fm.copyItem(at: from, to: staging.appendingPathComponent(name))
        }
        // The copy must load as a pipeline before it replaces anything.
        _ = try TextToImagePipeline(folder: RunFolder(staging))
        try swapIntoPlace(staging)
        return Report(weights: weights, totalBytes: try Self.bytes(under: destination))
    }

    /// Copies one part's folder: safetensors files converted to `dtype`, everything else as is.
    private func copyFolder(_ from: URL, to: URL, relativeName: String) throws -> [WeightsFile] {
        let fm = FileManager.default
        try fm.createDirectory(at: to, withIntermediateDirectories: true)
        var written: [WeightsFile] = []
        for file in try fm.contentsOfDirectory(atPath: from.path).sorted() where !file.hasPrefix(".") {
            let source = from.appendingPathComponent(file), target = to.appendingPathComponent(file)
            if file.hasSuffix(".safetensors") {
                let (tensors, bytes) = try convert(source, to: target)
                written.append(WeightsFile(path: "\(relativeName)/\(file)", tensors: tensors, bytes: bytes))
            } else {
                try fm.copyItem(at: source, to: target)
            }
        }
        return written
    }

    /// Rewrites every floating-point tensor of `source` in `dtype` (integer tensors are kept);
    /// refuses a value the narrower type cannot hold, since an infinite weight would poison every image.
    private func convert(_ source: URL, to target: URL) throws -> (tensors: Int, bytes: Int) {
        let file = try SafetensorsFile(contentsOf: source)
        var writer = SafetensorsWriter(metadata: file.metadata)
        for name in file.names {
            let info = try file.info(name)
            switch info.dtype {
            case .f32, .f16, .bf16, .f64:
                let floats = try file.floats(name)
                let converted = try writer.addChecked(name, floats: floats, shape: info.shape, as: dtype)
                if let bad = converted {
                    throw TrainingError("\(source.path): tensor \(name) holds \(bad), which \(dtype.rawValue) cannot represent; export as F32")
                }
            default:
                try writer.add(name, dtype: info.dtype, shape: info.shape, bytes: try file.bytes(name))
            }
        }
        try writer.write(to: target)
        let size = try FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int ?? 0
        return (file.names.count, size)
    }

    /// Renames the finished staging folder to the destination, replacing an old model only now.
    private func swapIntoPlace(_ staging: URL) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: destination.path) else {
            try fm.moveItem(at: staging, to: destination)
            return
        }
        let old = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).old-\(UUID().uuidString)")
        try fm.moveItem(at: destination, to: old)
        do {
            try fm.moveItem(at: staging, to: destination)
        } catch {
            try? fm.moveItem(at: old, to: destination)
            throw error
        }
        try? fm.removeItem(at: old)
    }

    /// Total size of the regular files under `folder`.
    static func bytes(under folder: URL) throws -> Int {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else { return 0 }
        var total = 0
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values.isRegularFile == true { total += values.fileSize ?? 0 }
        }
        return total
    }
}

extension SafetensorsWriter {
    /// Adds `floats` as `dtype` unless a finite value would become infinite in it; returns that
    /// value (and adds nothing) when one would.
    mutating func addChecked(_ name: String, floats: [Float], shape: [Int], as dtype: SafetensorsDType) throws -> Float? {
        if dtype == .f16, let bad = floats.first(where: { $0.isFinite && abs($0) > 65504 }) { return bad }
        try add(name, floats: floats, shape: shape, as: dtype)
        return nil
    }
}
