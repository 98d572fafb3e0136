import Foundation
import NN
import TensorCore

// A diffusers model folder: config.json + diffusion_pytorch_model.safetensors (DESIGN §3).

extension UNet2DConditionModel {
    /// The config file of a diffusers model folder.
    public static let configFileName = "config.json"
    /// The weights file of a diffusers model folder.
    public static let weightsFileName = "diffusion_pytorch_model.safetensors"

    /// The weights file's metadata key for the SHA-256 of the tokenizer the U-Net was trained with
    /// (of its serialized SentencePiece model); diffusers ignores it.
    public static let tokenizerDigestKey = "t2i_tokenizer_sha256"
    /// The weights file's metadata key for the `diffusion.clip_skip` the U-Net was trained with
    /// (absent: 0). diffusers ignores it; its pipelines take the value as `clip_skip=` at call time.
    public static let clipSkipKey = "t2i_clip_skip"

    /// Writes a diffusers model folder (created if needed): the full `config.json` and the weights,
    /// each atomically (temporary file, then rename). `UNet2DConditionModel.from_pretrained` loads it
    /// strictly. `tokenizerDigest` records which tokenizer the U-Net was trained with, `clipSkip`
    /// which of the text encoder's layers (recorded when not 0).
    public func save(to folder: URL, dtype: SafetensorsDType = .f32, tokenizerDigest: String? = nil, clipSkip: Int = 0) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try config.diffusersConfigJSON(), to: folder.appendingPathComponent(Self.configFileName))
        var metadata = ["format": "pt"]
        if let tokenizerDigest { metadata[Self.tokenizerDigestKey] = tokenizerDigest }
        if clipSkip != 0 { metadata[Self.clipSkipKey] = String(clipSkip) }
        try saveState(to: folder.appendingPathComponent(Self.weightsFileName), metadata: metadata, dtype: dtype)
    }

    /// Loads a diffusers model folder strictly: the config must describe a U-Net t2i builds, and the
    /// weights must hold exactly its parameters with the right shapes (else `StateLoadError` names the keys).
    public convenience init(contentsOf folder: URL) throws {
        let configURL = folder.appendingPathComponent(Self.configFileName)
        let data: Data
        do {
            data = try Data(contentsOf: configURL)
        } catch {
            throw ConfigError(source: configURL.path, key: nil, "cannot read the file (\(error.localizedDescription))")
        }
        let config = try UNetConfig(diffusersConfigJSON: data, source: configURL.path)
        try ModelSize.checkFits(parameters: ModelSize.unetParameters(config), copies: 2, model: "a U-Net", source: configURL.path)
        // The random initial values are overwritten by the load; the seed does not matter.
        var generator = Philox(seed: 0)
        try self.init(config: config, generator: &generator)
        let weights = try SafetensorsFile(contentsOf: folder.appendingPathComponent(Self.weightsFileName))
        try loadState(from: weights)
        trainedTokenizerDigest = weights.metadata[Self.tokenizerDigestKey] ?? Self.configTokenizerDigest(data)
        if let recorded = weights.metadata[Self.clipSkipKey] {
            guard let skip = Int(recorded), (0...64).contains(skip) else {
                throw ConfigError(source: folder.appendingPathComponent(Self.weightsFileName).path, key: Self.clipSkipKey,
                                  "metadata is \"\(recorded)\", not a layer count (0...64)")
            }
            trainedClipSkip = skip
        }
    }

    /// The tokenizer digest a `config.json` records under `_t2i_tokenizer_sha256` (a key diffusers
    /// ignores, as it does every key starting with "_"): how a model exported before the weights
    /// carried the digest names its tokenizer without rewriting its weights.
    static func configTokenizerDigest(_ json: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let digest = object["_" + tokenizerDigestKey] as? String,
              digest.count == 64, digest.allSatisfy(\.isHexDigit) else { return nil }
        return digest.lowercased()
    }
}
