import Foundation
import NN
import TensorCore

/// The image tower on its own (transformers `CLIPVisionModel`): one child `vision_model`, so
/// parameters are named `vision_model.…` — transformers 4's layout, which transformers 5 maps by
/// stripping the prefix (conversion_mapping.py `PrefixChange(prefix_to_remove="vision_model")`).
public final class CLIPVisionModel: Module {
    /// `vision_model`: the tower.
    public let visionModel: CLIPVisionTransformer

    /// A randomly initialised image tower; see `CLIPVisionTransformer.init`.
    public init(config: CLIPVisionConfig, generator: inout Philox) throws {
        visionModel = try CLIPVisionTransformer(config: config, generator: &generator)
    }

    /// An image tower that shares `visionModel`'s parameters.
    public init(sharing visionModel: CLIPVisionTransformer) {
        self.visionModel = visionModel
    }

    public var children: [(name: String, module: any Module)] { [("vision_model", visionModel)] }

    /// See `CLIPVisionTransformer.encode(pixels:)`.
    public func encode(pixels: Tensor) -> (lastHiddenState: Tensor, pooled: Tensor) {
        visionModel.encode(pixels: pixels)
    }

    // MARK: Folders

    /// Writes `folder/config.json` (a transformers `CLIPVisionConfig`) and `folder/model.safetensors`,
    /// each atomically; creates the folder.
    public func save(to folder: URL) throws {
        try CLIPFolder.writeConfig(CLIPVisionConfigFile(visionModel.config, projectionDim: nil, standalone: true).json,
                                   in: folder)
        try CLIPFolder.writeWeights(self, in: folder)
    }

    /// Reads an image tower folder written by `save(to:)` or transformers' `save_pretrained` (either
    /// key layout), or the image half of a `CLIPModel` folder; strict as `CLIPTextModel.load(from:)`.
    public static func load(from folder: URL) throws -> CLIPVisionModel {
        let (file, path) = try CLIPFolder.readConfig(CLIPConfigFile.self, in: folder)
        let isFullModel = file.modelType == CLIPConfigFile.modelType || file.visionConfig != nil
        let visionFile = isFullModel
            ? (file.visionConfig ?? CLIPVisionConfigFile())
            : try CLIPFolder.readConfig(CLIPVisionConfigFile.self, in: folder).config
        var generator = Philox(seed: 0)
        let model = try CLIPFolder.reporting(source: path, keyPrefix: isFullModel ? "vision_config." : "") {
            try CLIPVisionModel(config: visionFile.resolved(), generator: &generator)
        }
        let weights = try CLIPFolder.openWeights(in: folder)
        if isFullModel {
            try model.visionModel.loadState(from: weights, prefix: "vision_model.")
        } else if CLIPFolder.hasPrefix("vision_model.", in: weights) {
            try model.loadState(from: weights)
        } else {
            try model.visionModel.loadState(from: weights)   // transformers 5 `save_pretrained` layout
        }
        return model
    }
}
