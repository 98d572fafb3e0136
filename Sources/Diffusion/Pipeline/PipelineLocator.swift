import Foundation

/// Finds the model folder a generation command (`generate`, `eval`, `serve`, …) uses.
///
/// Lookup order (DESIGN §10): the folder the user named with `--model`/`--run` (it must hold the
/// parts asked for); else the folder in the `T2I_MODEL` environment variable (it must too); else
/// `runs/shapes-32` under the working directory when it holds them (a run trained here); else the
/// shipped model `Data/models/shapes-32` under the working directory; else the user data folder's
/// `t2i/models/shapes-32` (`$XDG_DATA_HOME`, default `~/.local/share`), which `scripts/install.sh`
/// fills; else an error naming every place looked at and how to train a model. Paths are kept as
/// the user (or the default) spelled them, since that is what generated PNGs record.
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

    /// The environment variable naming a model folder.
    public static let environmentVariable = "T2I_MODEL"

    /// The parts the caller needs.
    public let parts: [Part]
    /// The environment read for `T2I_MODEL`, `XDG_DATA_HOME` and `HOME`.
    public let environment: [String: String]
    /// The folder `runs/shapes-32` and `Data/models/shapes-32` are looked for in; nil is the
    /// working directory (and the paths stay relative, as spelled).
    public let directory: URL?

    /// A locator for a whole pipeline (`parts` = every part) or a few parts of one.
    public init(parts: [Part] = Part.allCases, environment: [String: String] = ProcessInfo.processInfo.environment,
                directory: URL? = nil) {
        self.parts = parts
        self.environment = environment
        self.directory = directory
    }

    /// The user data folder's model: `$XDG_DATA_HOME/t2i/models/shapes-32`, with `XDG_DATA_HOME`
    /// defaulting to `$HOME/.local/share` (the XDG base directory rule: an unset, empty or relative
    /// value is ignored); nil when neither variable gives an absolute folder.
    public var userModel: String? {
        var base: String?
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            base = data
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            base = URL(fileURLWithPath: home).appendingPathComponent(".local/share").path
        }
        return base.map { URL(fileURLWithPath: $0).appendingPathComponent("t2i/models/shapes-32").path }
    }

    /// `path` as a folder: relative to `directory` when one is set.
    private func folder(_ path: String) -> RunFolder {
        guard let directory, !path.hasPrefix("/") else { return RunFolder(URL(fileURLWithPath: path)) }
        return RunFolder(directory.appendingPathComponent(path))
    }

    /// `path` as returned: absolute under `directory` when one is set, else as spelled.
    private func spelled(_ path: String) -> String {
        guard let directory, !path.hasPrefix("/") else { return path }
        return directory.appendingPathComponent(path).path
    }

    /// The named folder, checked: it must be a folder holding every part asked for; `what` names
    /// where the name came from in errors (`--run`, `T2I_MODEL`).
    private func named(_ run: String, what: String) throws -> (folder: RunFolder, path: String) {
        let folder = folder(run)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError("\(what)\(run): no such run folder (train one with t2i train-encoder, train-ae and train-unet --run \(run))")
        }
        if let (part, file) = missingPart(in: folder) {
            throw TrainingError("\(what)\(file.path): missing; \(run) has no trained \(part.rawValue) (run t2i \(part.command) --run \(run))")
        }
        return (folder, spelled(run))
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
        if let run { return try named(run, what: "") }
        if let model = environment[Self.environmentVariable], !model.isEmpty {
            return try named(model, what: "\(Self.environmentVariable)=")
        }
        let trained = folder(Self.defaultRun)
        let trainedMissing = missingPart(in: trained)
        if trainedMissing == nil { return (trained, spelled(Self.defaultRun)) }
        let shipped = folder(Self.shippedModel)
        if missingPart(in: shipped) == nil { return (shipped, spelled(Self.shippedModel)) }
        if let user = userModel, missingPart(in: RunFolder(URL(fileURLWithPath: user))) == nil {
            return (RunFolder(URL(fileURLWithPath: user)), user)
        }
        let why = trainedMissing.map { "\($0.file.path) is missing" } ?? "it is incomplete"
        let commands = ["train-encoder", "train-ae", "train-unet"]
        let from = trainedMissing.flatMap { missing in commands.firstIndex(of: missing.part.command) } ?? 0
        let todo = commands[from...].map { "t2i \($0)" }.joined(separator: ", then ")
        let user = userModel.map { ", nor does \($0) (scripts/install.sh puts the shipped model there)" } ?? ""
        throw TrainingError("no model found: \(Self.defaultRun) is not a trained pipeline (\(why)) and \(Self.shippedModel) holds no complete model either\(user); "
                            + "train one with \(todo) (or name a model folder with --model DIR or \(Self.environmentVariable)=DIR)")
    }
}
