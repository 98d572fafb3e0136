import Foundation
import NN
import TensorCore

extension CLIPModel {
    /// Writes `folder/config.json` (a transformers `CLIPConfig` with `text_config` and
    /// `vision_config`) and `folder/model.safetensors`, each atomically; creates the folder.
    /// `CLIPModel.from_pretrained(folder)` loads it with no missing, unexpected or mismatched key.
    public func save(to folder: URL) throws {
        try CLIPFolder.writeConfig(CLIPConfigFile(self).json, in: folder)
        try CLIPFolder.writeWeights(self, in: folder)
    }

    /// Reads a `CLIPModel` folder written by `save(to:)` or transformers' `save_pretrained`.
    ///
    /// Loading is strict: a missing, unused or mis-shaped tensor throws `StateLoadError` naming
    /// `model.safetensors`; a bad config throws `ConfigError` naming `config.json` and the key.
    public static func load(from folder: URL) throws -> CLIPModel {
        let (file, path) = try CLIPFolder.readConfig(CLIPConfigFile.self, in: folder)
        guard file.modelType == nil || file.modelType == CLIPConfigFile.modelType else {
            throw ConfigError(source: path, key: "model_type",
                              "\"\(file.modelType ?? "")\" is not a CLIPModel config (expected \"\(CLIPConfigFile.modelType)\")")
        }
        let head = file.resolved()
        let (text, vocabularySize, tokens) = (file.textConfig ?? CLIPTextConfigFile()).resolved()
        let vision = (file.visionConfig ?? CLIPVisionConfigFile()).resolved()
        try CLIPFolder.reporting(source: path, keyPrefix: "") { try CLIPModel.validate(head, source: path) }
        _ = try CLIPFolder.reporting(source: path, keyPrefix: "text_config.") {
            try CLIPTextTransformer.validate(text, vocabularySize: vocabularySize, source: path)
        }
        _ = try CLIPFolder.reporting(source: path, keyPrefix: "vision_config.") {
            try CLIPVisionTransformer.validate(vision, source: path)
        }
        var generator = Philox(seed: 0)
        let model = try CLIPModel(config: head, text: text, vision: vision, vocabularySize: vocabularySize, tokens: tokens,
                                  generator: &generator)
        try model.loadState(from: try CLIPFolder.openWeights(in: folder))
        return model
    }
}
