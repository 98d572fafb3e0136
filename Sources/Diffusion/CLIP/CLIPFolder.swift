import Foundation
import NN
import TensorCore

/// Reading and writing Hugging Face model folders (`config.json` + `model.safetensors`), as
/// transformers' `save_pretrained` lays them out.
enum CLIPFolder {
    static let configName = "config.json"
    static let weightsName = "model.safetensors"

    /// Decodes `folder/config.json`; every failure is a `ConfigError` naming the file and the key.
    static func readConfig<T: Decodable>(_ type: T.Type, in folder: URL) throws -> (config: T, path: String) {
        let url = folder.appendingPathComponent(configName)
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(source: path, key: nil, "no such file (expected a model folder with config.json and model.safetensors)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConfigError(source: path, key: nil, "cannot read the file (\(error.localizedDescription))")
        }
        do {
            return (try JSONDecoder().decode(T.self, from: data), path)
        } catch let error as DecodingError {
            throw configError(error, path: path)
        } catch {
            throw ConfigError(source: path, key: nil, "not valid JSON (\(error.localizedDescription))")
        }
    }

    /// Writes `config` as `folder/config.json` (pretty, sorted keys, atomically), creating the folder.
    static func writeConfig(_ config: CLIPJSONValue, in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data((config.rendered() + "\n").utf8), to: folder.appendingPathComponent(configName))
    }

    /// Writes every parameter of `module` as `folder/model.safetensors` (F32, atomically), with the
    /// `format: pt` metadata transformers' `save_pretrained` writes.
    static func writeWeights(_ module: any Module, in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try module.saveState(to: folder.appendingPathComponent(weightsName), metadata: ["format": "pt"])
    }

    /// Opens `folder/model.safetensors` (errors name the file).
    static func openWeights(in folder: URL) throws -> SafetensorsFile {
        try SafetensorsFile(contentsOf: folder.appendingPathComponent(weightsName))
    }

    /// Whether any tensor of `file` is named under `prefix`.
    static func hasPrefix(_ prefix: String, in file: SafetensorsFile) -> Bool {
        file.tensors.keys.contains { $0.hasPrefix(prefix) }
    }

    /// Runs `body` (a model construction), re-labelling a `ConfigError` it throws with the file
    /// `source` and the key's place in it (`keyPrefix`, e.g. "text_config.").
    static func reporting<T>(source: String, keyPrefix: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ConfigError {
            throw ConfigError(source: source, key: error.key.map { keyPrefix + $0 }, error.message)
        }
    }

    /// A one-line `ConfigError` for a JSON decoding failure.
    private static func configError(_ error: DecodingError, path: String) -> ConfigError {
        func key(_ context: DecodingError.Context) -> String? {
            let parts = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return parts.isEmpty ? nil : parts.joined(separator: ".")
        }
        func name(_ type: Any.Type) -> String {
            switch type {
            case is Int.Type: "an integer"
            case is Double.Type: "a number"
            case is String.Type: "a string"
            case is [String].Type: "a list of strings"
            default: "a section of keys"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            return ConfigError(source: path, key: key(context), "expected \(name(type))")
        case .valueNotFound(let type, let context):
            return ConfigError(source: path, key: key(context), "is null, expected \(name(type))")
        case .keyNotFound(let missing, let context):
            return ConfigError(source: path, key: key(context), "missing key \(missing.stringValue)")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return ConfigError(source: path, key: nil, "not valid JSON") }
            return ConfigError(source: path, key: key(context), context.debugDescription)
        @unknown default:
            return ConfigError(source: path, key: nil, "cannot decode (\(error))")
        }
    }
}
