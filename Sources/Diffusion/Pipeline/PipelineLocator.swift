import Foundation

/// Finds the model folder a generation command uses.
///
/// Lookup order: the folder the user named with `--run` (it must hold the parts asked for); else
/// `runs/shapes-32` when it holds them (a run trained here); else the shipped model
/// `Data/models/shapes-32` when it holds them; else an error naming what is missing and how to
/// train it. Relative paths are resolved against the working directory, and the path is kept as
/// the user (or the default) spelled it, since that is what generated PNGs record.
public struct PipelineLocator: Sendable {
    /// A part of a pipeline folder, and the file whose presence marks it as trained.
    public enum Part: String, CaseIterable, Sendable {
        case tokenizer, textEncoder = "text encoder", vae = "autoencoder", unet = "U-Net", scheduler

        /// The marker file of this part in `run`.
        public func marker(in run: RunFolder) -> URL {
            switch self {
            case .tokenizer: run.tokenizerModel
            case .textEncoder: run.textEncoder.appendingPathComponent("config.json")
            case .vae: run.vae.appendingPathComponent("config.json")
            case .unet: run.unet.appendingPathComponent("config.json")
            case .scheduler: run.scheduler.appendingPathComponent(SchedulerFolder.fileName)
            }
        }

        /// The command that trains it.
        public var command: String {
            switch self {
            case .tokenizer, .textEncoder: "train-encoder"
            case .vae: "train-ae"
            case .unet, .scheduler: "train-unet"
            }
        }
    }

    /// The run a trained-here model lives in by default.
    public static let defaultRun = "runs/shapes-32"
    /// The shipped model.
    public static let shippedModel = "Data/models/shapes-32"

    /// The parts the caller needs.
    public let parts: [Part]

    /// A locator for a whole pipeline (`parts` = every part) or a few parts of one.
    public init(parts: [Part] = Part.allCases) {
        self.parts = parts
    }

    /// The first part `run` lacks, with its marker file, or nil when it holds every part asked for.
    public func missingPart(in run: RunFolder) -> (part: Part, file: URL)? {
        for part in parts {
            let file = part.marker(in: run)
            if !FileManager.default.fileExists(atPath: file.path) { return (part, file) }
        }
        return nil
    }

    /// The model folder to use and its path as spelled (what PNGs record as `t2i:model`).
    ///
    /// - Parameter run: the `--run` argument, or nil when the user gave none.
    /// - Throws: `TrainingError`, one line naming the missing folder or file and the command to run.
    public func locate(run: String?) throws -> (folder: RunFolder, path: String) {
        if let run {
            let folder = RunFolder(URL(fileURLWithPath: run))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw TrainingError("\(run): no such run folder (train one with t2i train-encoder, train-ae and train-unet --run \(run))")
            }
            if let (part, file) = missingPart(in: folder) {
                throw TrainingError("\(file.path): missing; \(run) has no trained \(part.rawValue) (run t2i \(part.command) --run \(run))")
            }
            return (folder, run)
        }
        let trained = RunFolder(URL(fileURLWithPath: Self.defaultRun))
        let trainedMissing = missingPart(in: trained)
        if trainedMissing == nil { return (trained, Self.defaultRun) }
        let shipped = RunFolder(URL(fileURLWithPath: Self.shippedModel))
        if missingPart(in: shipped) == nil { return (shipped, Self.shippedModel) }
        let why = trainedMissing.map { "\($0.file.path) is missing" } ?? "it is incomplete"
        let commands = ["train-encoder", "train-ae", "train-unet"]
        let from = trainedMissing.flatMap { missing in commands.firstIndex(of: missing.part.command) } ?? 0
        let todo = commands[from...].map { "t2i \($0)" }.joined(separator: ", then ")
        throw TrainingError("no model found: \(Self.defaultRun) is not a trained pipeline (\(why)) and \(Self.shippedModel) holds no complete model either; "
                            + "train one with \(todo) (or name a run folder with --run DIR)")
    }
}
