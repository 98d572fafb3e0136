import Foundation
import NN
import TensorCore

extension AutoencoderKL {
    /// The weights file of a diffusers model folder.
    public static let weightsFileName = "diffusion_pytorch_model.safetensors"
    /// The config file of a diffusers model folder.
    public static let configFileName = "config.json"

    /// Writes `folder/config.json` and `folder/diffusion_pytorch_model.safetensors` (each
    /// atomically; the weights first, so a crash never leaves a config describing missing weights).
    /// The folder loads with `AutoencoderKL.from_pretrained` in diffusers.
    public func save(to folder: URL, dtype: SafetensorsDType = .f32) throws {
        // If the folder cannot be made, the first write fails with a FileWriteError naming the file.
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // "format": "pt" is the metadata PyTorch-side loaders look for in safetensors checkpoints.
        try saveState(to: folder.appendingPathComponent(Self.weightsFileName), metadata: ["format": "pt"], dtype: dtype)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var json = try encoder.encode(AutoencoderKLConfigFile(config: config))
        json.append(0x0A)
        try AtomicFile.write(json, to: folder.appendingPathComponent(Self.configFileName))
    }

    /// A model read from a diffusers `AutoencoderKL` folder with strict key matching.
    ///
    /// Throws `ConfigError` (naming `config.json` and the key) for a missing, malformed or
    /// unsupported config, `SafetensorsError` for an unreadable weights file, and `StateLoadError`
    /// (naming the weights file and every missing, unused or mis-shaped key) for weights that do
    /// not fit the config.
    public convenience init(contentsOf folder: URL) throws {
        let config = try Self.readConfig(from: folder)
        try ModelSize.checkFits(parameters: ModelSize.autoencoderParameters(config), copies: 2, model: "an autoencoder",
                                source: folder.appendingPathComponent(Self.configFileName).path)
        // The random initialisation is overwritten below; any seed will do.
        var generator = Philox(seed: 0)
        try self.init(config: config, generator: &generator,
                      source: folder.appendingPathComponent(Self.configFileName).path)
        let weights = try SafetensorsFile(contentsOf: folder.appendingPathComponent(Self.weightsFileName))
        try loadState(from: weights)
    }

    /// The `AutoencoderConfig` in `folder/config.json`, checked to describe a model t2i builds.
    public static func readConfig(from folder: URL) throws -> AutoencoderConfig {
        let url = folder.appendingPathComponent(configFileName)
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(source: path, key: nil, "no such file (is \(folder.path) an AutoencoderKL folder?)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConfigError(source: path, key: nil, "cannot read the file (\(error.localizedDescription))")
        }
        let file: AutoencoderKLConfigFile
        do {
            file = try JSONDecoder().decode(AutoencoderKLConfigFile.self, from: data)
        } catch let error as DecodingError {
            throw Self.configError(error, path: path)
        }
        try validate(file.config, source: path)
        return file.config
    }

    /// A `DecodingError` as one line naming the file and the key.
    static func configError(_ error: DecodingError, path: String) -> ConfigError {
        func key(_ codingPath: [any CodingKey]) -> String? {
            codingPath.isEmpty ? nil : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(missing, context):
            return ConfigError(source: path, key: key(context.codingPath + [missing]), "missing")
        case let .typeMismatch(type, context):
            return ConfigError(source: path, key: key(context.codingPath), "expected a value of type \(type)")
        case let .valueNotFound(type, context):
            return ConfigError(source: path, key: key(context.codingPath), "expected a value of type \(type), found null")
        case let .dataCorrupted(context):
            if let k = key(context.codingPath) { return ConfigError(source: path, key: k, context.debugDescription) }
            return ConfigError(source: path, key: nil, "not valid JSON")
        @unknown default:
            return ConfigError(source: path, key: nil, "cannot decode (\(error))")
        }
    }
}
