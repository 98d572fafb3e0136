import Foundation
import TensorCore
import Yams

extension TextEncoderStage {
    /// The config sections the encoder stage reads. Within one run folder they are fixed once the
    /// run's `config.yaml` is written: the tokenizer, the weights and the checkpoint all depend on
    /// them, so changing one mid-run would mix two experiments in one folder.
    public static let settingSections = ["seed", "data", "tokenizer", "text_encoder", "vision_encoder", "clip", "encoder_training"]
    /// Keys of those sections that are loading policy, not settings the trained encoder depends on:
    /// they may change between calls (`--allow-bad` on a run whose dataset was refused).
    static let unlockedKeys: Set<String> = ["data.allow_bad_entries"]

    /// Checks the cross-section rules of the encoder stage that no single section can check.
    /// Errors name the key (source "config", as `RunData` does).
    public static func validate(_ config: RunConfig) throws {
        guard config.seed >= 0 else {
            throw ConfigError(source: "config", key: "seed", "must be non-negative, got \(config.seed)")
        }
        let maxLength = config.tokenizer.maxLength
        guard maxLength >= 2 else {
            throw ConfigError(source: "config", key: "tokenizer.max_length", "must be at least 2 (bos and eos), got \(maxLength)")
        }
        guard maxLength <= config.textEncoder.maxPositionEmbeddings else {
            throw ConfigError(source: "config", key: "tokenizer.max_length",
                              "is \(maxLength) but text_encoder.max_position_embeddings is \(config.textEncoder.maxPositionEmbeddings)")
        }
        guard config.visionEncoder.imageSize == config.data.size else {
            throw ConfigError(source: "config", key: "vision_encoder.image_size",
                              "is \(config.visionEncoder.imageSize) but data.size is \(config.data.size); the image tower sees the dataset's images as they are")
        }
        guard config.visionEncoder.numChannels == 3 else {
            throw ConfigError(source: "config", key: "vision_encoder.num_channels",
                              "must be 3 (datasets are RGB), got \(config.visionEncoder.numChannels)")
        }
        _ = try modelType(config)
    }

    /// The record of the settings a run's encoder was trained with: `state/encoder-config.yaml`.
    public static func settingsRecord(_ run: RunFolder) -> URL {
        run.state.appendingPathComponent("\(name)-config.yaml")
    }

    /// The run's config for this stage; the rule that keeps one run one experiment:
    ///
    /// 1. A run folder without `config.yaml` gets `config` written into it.
    /// 2. A run that has one keeps it: every key of `settingSections` must be equal in `config`
    ///    (the `t2i` commands pass the run's own config, see `RunFolder.stageConfig`).
    /// 3. Once the stage has started in a run, the settings it used are recorded in
    ///    `state/encoder-config.yaml` (the tokenizer, weights and checkpoint depend on them), and a
    ///    later call must use the same ones — a `--set` that rewrote the run's config.yaml
    ///    included.
    ///
    /// A conflict throws a `ConfigError` naming the file and the first key that differs, e.g.
    /// `runs/x/state/encoder-config.yaml: tokenizer.vocab_size: this run's encoder was trained with 512 but the config now gives 256; …`.
    /// Keys of the other stages are not compared (each stage checks its own).
    public static func adopt(_ config: RunConfig, in run: RunFolder) throws -> RunConfig {
        if let existing = try run.readConfig() {
            if let (key, here, given) = try firstDifference(existing, config) {
                throw ConfigError(source: run.configFile.path, key: key,
                                  "is \(here) in this run but \(given) in the requested config; the encoder settings of a run "
                                      + "cannot change — use a new --run folder")
            }
            // An unlocked key that changed (e.g. --allow-bad after a refused dataset) is recorded.
            if existing.data.allowBadEntries != config.data.allowBadEntries { try run.writeConfig(config) }
        } else {
            try run.writeConfig(config)
        }
        let record = settingsRecord(run)
        if FileManager.default.fileExists(atPath: record.path) {
            let trained = try ConfigLoader.load(file: record)
            if let (key, here, given) = try firstDifference(trained, config) {
                throw ConfigError(source: record.path, key: key,
                                  "this run's encoder was trained with \(here) but the config now gives \(given); the encoder "
                                      + "settings of a run cannot change — set it back in \(run.configFile.path) or use a new --run folder")
            }
        } else {
            try FileManager.default.createDirectory(at: run.state, withIntermediateDirectories: true)
            try AtomicFile.write(Data(try ConfigLoader.yaml(config).utf8), to: record)
        }
        return config
    }

    /// The first key of `settingSections` whose value differs, with both values.
    static func firstDifference(_ a: RunConfig, _ b: RunConfig) throws -> (key: String, a: String, b: String)? {
        let given = try settings(b)
        for (key, value) in try settings(a) {
            let other = given.first { $0.key == key }?.value ?? "(missing)"
            if other != value { return (key, value, other) }
        }
        return nil
    }

    /// The keys of `settingSections` in `config` as (dotted key, YAML value) pairs, in the order
    /// `t2i config show` prints them.
    static func settings(_ config: RunConfig) throws -> [(key: String, value: String)] {
        guard let root = try Yams.compose(yaml: ConfigLoader.yaml(config)), let mapping = root.mapping else { return [] }
        var out: [(key: String, value: String)] = []
        func flatten(_ node: Node, _ path: String) {
            if let map = node.mapping {
                for (k, v) in map { flatten(v, path + "." + (k.string ?? "?")) }
            } else if let sequence = node.sequence {
                out.append((path, "[" + sequence.map { $0.string ?? "?" }.joined(separator: ", ") + "]"))
            } else {
                out.append((path, node.string ?? "null"))
            }
        }
        for (k, v) in mapping {
            guard let name = k.string, settingSections.contains(name) else { continue }
            if let map = v.mapping {
                for (kk, vv) in map { flatten(vv, name + "." + (kk.string ?? "?")) }
            } else {
                flatten(v, name)
            }
        }
        return out.filter { !unlockedKeys.contains($0.key) }
    }
}
