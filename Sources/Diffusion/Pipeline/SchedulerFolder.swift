import Foundation
import TensorCore

/// The pipeline's `scheduler/scheduler_config.json`, in diffusers' format (a DDIMScheduler with
/// the training schedule), so the run folder loads as a diffusers pipeline.
public enum SchedulerFolder {
    public static let fileName = "scheduler_config.json"

    /// Writes `config` into `folder` (atomically).
    public static func write(_ config: SchedulerConfig, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let json = """
            {
              "_class_name": "DDIMScheduler",
              "_diffusers_version": "0.42.1",
              "num_train_timesteps": \(config.numTrainTimesteps),
              "beta_schedule": \(JSONString.quoted(config.betaSchedule)),
              "beta_start": \(config.betaStart),
              "beta_end": \(config.betaEnd),
              "prediction_type": \(JSONString.quoted(config.predictionType)),
              "clip_sample": false,
              "set_alpha_to_one": false,
              "steps_offset": 1,
              "timestep_spacing": "leading"
            }

            """
        try AtomicFile.write(Data(json.utf8), to: folder.appendingPathComponent(fileName))
    }

    /// Reads the schedule fields back (other diffusers fields are ignored, as diffusers itself does
    /// for fields a scheduler class does not use).
    public static func read(from folder: URL) throws -> SchedulerConfig {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError(source: url.path, key: nil, "no such file")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ConfigError(source: url.path, key: nil, "not a JSON object")
        }
        var config = SchedulerConfig()
        func number(_ key: String) throws -> Double? {
            guard let v = object[key] else { return nil }
            guard let n = v as? NSNumber else { throw ConfigError(source: url.path, key: key, "expected a number") }
            return n.doubleValue
        }
        func string(_ key: String) throws -> String? {
            guard let v = object[key] else { return nil }
            guard let s = v as? String else { throw ConfigError(source: url.path, key: key, "expected a string") }
            return s
        }
        if let v = try number("num_train_timesteps") { config.numTrainTimesteps = Int(v) }
        if let v = try string("beta_schedule") { config.betaSchedule = v }
        if let v = try number("beta_start") { config.betaStart = v }
        if let v = try number("beta_end") { config.betaEnd = v }
        if let v = try string("prediction_type") { config.predictionType = v }
        return config
    }
}
