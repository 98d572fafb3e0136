import NN
import TensorCore

/// The CLIP image tower: patch embeddings, a pre-LN ViT encoder without masking, and the class
/// token's state after a final layer norm as pooled output (transformers `CLIPVisionModel`'s body;
/// parameter names under `vision_model.` in `CLIPModel`, including the misspelt `pre_layrnorm`).
public final class CLIPVisionTransformer: Module {
    /// The tower's sizes and activation.
    public let config: CLIPVisionConfig
    /// `embeddings`: class token, patches and positions.
    public let embeddings: CLIPVisionEmbeddings
    /// `pre_layrnorm` (sic): the layer norm before the encoder.
    public let preLayerNorm: LayerNorm
    /// `encoder`: the unmasked transformer layers.
    public let encoder: CLIPEncoder
    /// `post_layernorm`, applied to the class token only.
    public let postLayerNorm: LayerNorm

    /// A randomly initialised tower (transformers' initialisation, drawn from `generator`).
    /// Throws `ConfigError` (source "vision_encoder", the run config's section) for a config transformers would refuse.
    public init(config: CLIPVisionConfig, generator: inout Philox) throws {
        let activation = try CLIPVisionTransformer.validate(config, source: "vision_encoder")
        self.config = config
        let eps = Float(config.layerNormEps)
        embeddings = CLIPVisionEmbeddings(imageSize: config.imageSize, patchSize: config.patchSize, channels: config.numChannels,
                                          hidden: config.hiddenSize, generator: &generator)
        preLayerNorm = LayerNorm(config.hiddenSize, eps: eps)
        encoder = CLIPEncoder(count: config.numHiddenLayers, hidden: config.hiddenSize, intermediate: config.intermediateSize,
                              heads: config.numAttentionHeads, activation: activation, eps: eps, generator: &generator)
        postLayerNorm = LayerNorm(config.hiddenSize, eps: eps)
    }

    public var children: [(name: String, module: any Module)] {
        [("embeddings", embeddings), ("pre_layrnorm", preLayerNorm), ("encoder", encoder), ("post_layernorm", postLayerNorm)]
    }

    /// Checks `config` as transformers' `CLIPVisionConfig` does and returns its activation.
    static func validate(_ config: CLIPVisionConfig, source: String) throws -> CLIPActivation {
        let activation = try CLIPActivation(name: config.hiddenAct, source: source, key: "hidden_act")
        try CLIPEncoder.validate(hidden: config.hiddenSize, intermediate: config.intermediateSize, layers: config.numHiddenLayers,
                                 heads: config.numAttentionHeads, eps: config.layerNormEps, source: source)
        for (key, value) in [("image_size", config.imageSize), ("patch_size", config.patchSize), ("num_channels", config.numChannels)]
        where value <= 0 {
            throw ConfigError(source: source, key: key, "must be positive, got \(value)")
        }
        // Like the reference, a size that patch_size does not divide drops the last partial patches.
        guard config.patchSize <= config.imageSize else {
            throw ConfigError(source: source, key: "patch_size", "\(config.patchSize) is larger than image_size \(config.imageSize)")
        }
        return activation
    }

    /// Encodes images (B, channels, imageSize, imageSize).
    ///
    /// - Returns: `lastHiddenState` (B, 1 + patches, hidden), the encoder output (no final norm, as
    ///   in transformers), and `pooled` (B, hidden), the class token through `post_layernorm`.
    public func encode(pixels: Tensor) -> (lastHiddenState: Tensor, pooled: Tensor) {
        let x = preLayerNorm(embeddings(pixels))
        let last = encoder(x, mask: AttentionMask())
        let (batch, tokens, hidden) = (last.shape[0], last.shape[1], last.shape[2])
        // modeling_clip.py CLIPVisionModel.forward: pooled = post_layernorm(last_hidden_state[:, 0, :]).
        let classRows = CLIPOps.rows(last.reshaped([batch * tokens, hidden]), (0..<batch).map { $0 * tokens })
        return (last, postLayerNorm(classRows))
    }
}
