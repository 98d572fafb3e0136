import Foundation
import TensorCore

/// A run folder (DESIGN §6): the resolved config, the pipeline folder diffusers can load
/// (`model_index.json`, `tokenizer/`, `text_encoder/`, `vae/`, `unet/`, `scheduler/`), the full CLIP
/// model for evaluation, training state, logs and previews.
public struct RunFolder: Sendable {
    public let url: URL

    public init(_ url: URL) {
        self.url = url
    }

    public var configFile: URL { url.appendingPathComponent("config.yaml") }
    public var modelIndex: URL { url.appendingPathComponent("model_index.json") }
    public var tokenizer: URL { url.appendingPathComponent("tokenizer") }
    public var tokenizerModel: URL { tokenizer.appendingPathComponent("tokenizer.model") }
    public var textEncoder: URL { url.appendingPathComponent("text_encoder") }
    /// The whole CLIP model (text and image towers, projections): what `t2i eval` scores with.
    public var clip: URL { url.appendingPathComponent("clip") }
    public var vae: URL { url.appendingPathComponent("vae") }
    public var unet: URL { url.appendingPathComponent("unet") }
    public var scheduler: URL { url.appendingPathComponent("scheduler") }
    public var state: URL { url.appendingPathComponent("state") }
    public var logs: URL { url.appendingPathComponent("logs") }
    public var previews: URL { url.appendingPathComponent("previews") }

    /// A stage's full training state, `state/<stage>.safetensors` (written by `StageTrainer`).
    public func checkpoint(stage: String) -> URL {
        state.appendingPathComponent("\(stage).safetensors")
    }

    /// Refuses to train a stage from scratch where that would replace earlier work: its trained
    /// output (`trained`, e.g. `unet/config.json`) or an interrupted training's checkpoint. `resume`
    /// continues instead; `restart` (asked for explicitly) starts over and replaces both.
    ///
    /// - Throws: `TrainingError` naming the file that would be lost and the two ways on.
    public func checkStart(stage: String, title: String, trained: URL, resume: Bool, restart: Bool) throws {
        if resume && restart { throw TrainingError("--resume and --restart exclude each other: continue the \(title), or train it again") }
        guard !resume && !restart else { return }
        let fm = FileManager.default
        if fm.fileExists(atPath: trained.path) {
            throw TrainingError("\(trained.path): the \(title) of \(url.path) is already trained; --restart trains it again from scratch "
                                + "(replacing its weights, checkpoint and log), --resume continues from its checkpoint")
        }
        let saved = checkpoint(stage: stage)
        if fm.fileExists(atPath: saved.path) {
            throw TrainingError("\(saved.path): an interrupted training of the \(title) is saved here; --resume continues it, "
                                + "--restart starts over and replaces it")
        }
    }

    /// Creates the folder (and parents) when missing.
    public func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Whether a stage's output folder exists with a config.json in it.
    public func hasModel(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path)
    }

    /// Writes the resolved config (atomically).
    public func writeConfig(_ config: RunConfig) throws {
        try create()
        try AtomicFile.write(Data(try ConfigLoader.yaml(config).utf8), to: configFile)
    }

    /// Reads the run's resolved config, if it has one. A run stores every key, so a key its file
    /// lacks came after the run was made, and the run keeps the value it was made with rather than
    /// today's default (`keysAddedSince`).
    public func readConfig(overrides: [String] = []) throws -> RunConfig? {
        guard FileManager.default.fileExists(atPath: configFile.path) else { return nil }
        let text = (try? Data(contentsOf: configFile)).flatMap { String(data: $0, encoding: .utf8) }
        let kept = text.map { yaml in Self.keysAddedSince.filter { !ConfigLoader.spellsOut($0.key, in: yaml) }.map { "\($0.key)=\($0.before)" } } ?? []
        return try ConfigLoader.load(file: configFile, overrides: kept + overrides)
    }

    /// Keys added after runs existed whose default is not what those runs did: a run made before
    /// `diffusion.clip_skip` (added 2026-12-02) conditions its U-Net on the last layer's states, the
    /// default since 2026-12-02 on the embeddings; resuming it must not change that.
    static let keysAddedSince: [(key: String, before: String)] = [("diffusion.clip_skip", "0")]

    /// diffusers' `model_index.json` for a StableDiffusion-style pipeline of this run's parts.
    public func writeModelIndex() throws {
        let json = """
            {
              "_class_name": "StableDiffusionPipeline",
              "_diffusers_version": "0.30.0",
              "feature_extractor": [null, null],
              "requires_safety_checker": false,
              "safety_checker": [null, null],
              "scheduler": ["diffusers", "DDIMScheduler"],
              "text_encoder": ["transformers", "CLIPTextModel"],
              "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
              "unet": ["diffusers", "UNet2DConditionModel"],
              "vae": ["diffusers", "AutoencoderKL"]
            }

            """
        try create()
        try AtomicFile.write(Data(json.utf8), to: modelIndex)
    }
}

extension RunFolder {
    /// The config a stage command runs with, so that every stage of one run agrees (DESIGN §6):
    /// - a run that already has `config.yaml` uses it, with `overrides` applied; an explicit
    ///   `--config` file must then resolve to the same config, or it is refused;
    /// - a new run uses `explicit` (else `defaultFile`, else the built-in defaults) with `overrides`.
    /// Nothing is written here: each stage writes the config (`writeConfig`) once it has checked
    /// the settings, so a refused `--set` leaves `config.yaml` as it was.
    public func stageConfig(explicit: URL?, defaultFile: URL?, overrides: [String]) throws -> RunConfig {
        if let existing = try readConfig(overrides: overrides) {
            if let explicit {
                let given = try ConfigLoader.load(file: explicit, overrides: overrides)
                if let key = try ConfigLoader.firstDifference(existing, given) {
                    throw ConfigError(source: explicit.path, key: key,
                                      "differs from the run's own \(configFile.path); omit --config to continue this run, or use a new --run folder")
                }
            }
            return existing
        }
        return try ConfigLoader.load(file: explicit ?? defaultFile, overrides: overrides)
    }

    /// Where an evaluation grid goes by default: the run's `previews/` for a training run (it has a
    /// `state/` or `logs/` folder), else `outputs/` under the working directory, so that evaluating
    /// a shipped or installed model never writes into the model's own folder.
    public func defaultEvaluationFile(_ name: String) -> URL {
        let isTrainingRun = ["state", "logs"].contains { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }
        return isTrainingRun ? previews.appendingPathComponent(name)
                             : URL(fileURLWithPath: "outputs", isDirectory: true).appendingPathComponent(name)
    }
}
