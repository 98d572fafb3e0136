import Foundation
import NN
import TensorCore

/// The text encoder on its own, as a pipeline's `text_encoder/` folder holds it (transformers
/// `CLIPTextModel`): one child `text_model`, so parameters are named `text_model.…`.
///
/// That is the layout of transformers 4, of diffusers pipelines and of every published CLIP text
/// encoder; transformers 5's `CLIPTextModel` keeps the body at the top level and strips the
/// `text_model.` prefix when loading (conversion_mapping.py `PrefixChange(prefix_to_remove="text_model")`),
/// so a folder from `save(to:)` loads strictly into both. `load(from:)` reads both layouts too.
public final class CLIPTextModel: Module {
    /// `text_model`: the tower.
    public let textModel: CLIPTextTransformer

    /// A randomly initialised text encoder; see `CLIPTextTransformer.init`.
    public init(config: CLIPTextConfig, vocabularySize: Int, tokens: CLIPTokenIDs = CLIPTokenIDs(), generator: inout Philox) throws {
        textModel = try CLIPTextTransformer(config: config, vocabularySize: vocabularySize, tokens: tokens, generator: &generator)
    }

    /// A text encoder that shares `textModel`'s parameters (e.g. `CLIPModel.textEncoder`).
    public init(sharing textModel: CLIPTextTransformer) {
        self.textModel = textModel
    }

    public var children: [(name: String, module: any Module)] { [("text_model", textModel)] }

    /// See `CLIPTextTransformer.encode(ids:batch:length:keyLengths:skip:)`.
    public func encode(ids: [Int32], batch: Int, length: Int, keyLengths: [Int]? = nil,
                       skip: Int = 0) -> (lastHiddenState: Tensor, pooled: Tensor) {
        textModel.encode(ids: ids, batch: batch, length: length, keyLengths: keyLengths, skip: skip)
    }

    // MARK: Folders

    /// Writes `folder/config.json` (a transformers `CLIPTextConfig`, eos/bos/pad included) and
    /// `folder/model.safetensors`, each atomically; creates the folder.
    public func save(to folder: URL) throws {
        // No projection_dim: a CLIPTextModel has no projection (transformers fills in its default).
        let file = CLIPTextConfigFile(textModel.config, vocabularySize: textModel.vocabularySize, tokens: textModel.tokens,
                                      projectionDim: nil, standalone: true)
        try CLIPFolder.writeConfig(file.json, in: folder)
        try CLIPFolder.writeWeights(self, in: folder)
    }

    /// Reads a text encoder folder written by `save(to:)` or by transformers' `save_pretrained`
    /// (either key layout), or the text half of a `CLIPModel` folder.
    ///
    /// Loading is strict: a missing, unused or mis-shaped tensor throws `StateLoadError` naming the
    /// file (tensors of a `CLIPModel` folder's other parts are not the text encoder's and are left
    /// alone); a bad config throws `ConfigError` naming `config.json` and the key.
    public static func load(from folder: URL) throws -> CLIPTextModel {
        let (file, path) = try CLIPFolder.readConfig(CLIPConfigFile.self, in: folder)
        let isFullModel = file.modelType == CLIPConfigFile.modelType || file.textConfig != nil
        let textFile: CLIPTextConfigFile
        if isFullModel {
            textFile = file.textConfig ?? CLIPTextConfigFile()
        } else {
            textFile = try CLIPFolder.readConfig(CLIPTextConfigFile.self, in: folder).config
        }
        let (config, vocabularySize, tokens) = textFile.resolved()
        try ModelSize.checkFits(parameters: ModelSize.textEncoderParameters(config, vocabulary: vocabularySize), copies: 2,
                                model: "a text encoder", source: path)
        var generator = Philox(seed: 0)
        let model = try CLIPFolder.reporting(source: path, keyPrefix: isFullModel ? "text_config." : "") {
            try CLIPTextModel(config: config, vocabularySize: vocabularySize, tokens: tokens, generator: &generator)
        }
        let weights = try CLIPFolder.openWeights(in: folder)
        if isFullModel {
            try model.textModel.loadState(from: weights, prefix: "text_model.")
        } else if CLIPFolder.hasPrefix("text_model.", in: weights) {
            try model.loadState(from: weights)
        } else {
            try model.textModel.loadState(from: weights)   // transformers 5 `save_pretrained` layout
        }
        return model
    }
}
