import Foundation
import NN
import TensorCore

/// CLIP: a text tower and an image tower projected into one embedding space and compared by a
/// temperature-scaled cosine similarity (transformers `CLIPModel`; Radford et al. 2021).
///
/// Parameter names are transformers': `text_model.…`, `vision_model.…`, `text_projection.weight`,
/// `visual_projection.weight` (both without bias) and the scalar `logit_scale`, so `save(to:)`
/// writes a folder that `CLIPModel.from_pretrained` loads with strict key and shape matching.
public final class CLIPModel: Module {
    /// The contrastive head's config (projection width, initial logit scale).
    public let config: CLIPConfig
    /// `text_model`: the text tower.
    public let textModel: CLIPTextTransformer
    /// `vision_model`: the image tower.
    public let visionModel: CLIPVisionTransformer
    /// `text_projection`: text hidden → projection, no bias.
    public let textProjection: Linear
    /// `visual_projection`: vision hidden → projection, no bias.
    public let visualProjection: Linear
    /// log of the inverse temperature, shape [] (transformers `nn.Parameter(torch.tensor(init))`).
    public let logitScale: Parameter

    /// The largest `logit_scale`, ln 100: OpenAI CLIP clamps the temperature so that logits are
    /// scaled by at most 100 (Radford et al. 2021, §2.5).
    public static let maxLogitScale: Float = Foundation.log(100)

    /// A randomly initialised model (transformers' initialisation, drawn from `generator`) whose
    /// token table has `vocabularySize` rows (the tokenizer's vocabulary).
    /// Throws `ConfigError` for a config transformers would refuse (source "clip", "text_encoder" or
    /// "vision_encoder", the run config's sections).
    public init(config: CLIPConfig, text: CLIPTextConfig, vision: CLIPVisionConfig, vocabularySize: Int,
                tokens: CLIPTokenIDs = CLIPTokenIDs(), generator: inout Philox) throws {
        try CLIPModel.validate(config, source: "clip")
        self.config = config
        textModel = try CLIPTextTransformer(config: text, vocabularySize: vocabularySize, tokens: tokens, generator: &generator)
        visionModel = try CLIPVisionTransformer(config: vision, generator: &generator)
        textProjection = Linear(text.hiddenSize, config.projectionDim, bias: false, generator: &generator)
        visualProjection = Linear(vision.hiddenSize, config.projectionDim, bias: false, generator: &generator)
        // modeling_clip.py `_init_weights` (CLIPModel): projections N(0, hidden^-1·factor²).
        let f = Float(CLIPInitialization.factor)
        CLIPInitialization.normal(textProjection, std: CLIPInitialization.inverseSqrt(text.hiddenSize) * f, generator: &generator)
        CLIPInitialization.normal(visualProjection, std: CLIPInitialization.inverseSqrt(vision.hiddenSize) * f, generator: &generator)
        logitScale = Parameter(Tensor(scalar: Float(config.logitScaleInitValue)))
    }

    /// Checks the head's config.
    static func validate(_ config: CLIPConfig, source: String) throws {
        guard config.projectionDim > 0 else {
            throw ConfigError(source: source, key: "projection_dim", "must be positive, got \(config.projectionDim)")
        }
        guard config.logitScaleInitValue.isFinite else {
            throw ConfigError(source: source, key: "logit_scale_init_value", "must be finite, got \(config.logitScaleInitValue)")
        }
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("logit_scale", logitScale)] }

    public var children: [(name: String, module: any Module)] {
        [("text_model", textModel), ("vision_model", visionModel),
         ("visual_projection", visualProjection), ("text_projection", textProjection)]
    }

    /// The text tower as a standalone `CLIPTextModel` sharing this model's parameters (what a
    /// pipeline's `text_encoder/` folder holds).
    public var textEncoder: CLIPTextModel { CLIPTextModel(sharing: textModel) }

    // MARK: Features and embeddings

    /// The text tower's `lastHiddenState` (B, L, hidden) — what the U-Net conditions on — and
    /// `pooled` (B, hidden); see `CLIPTextTransformer.encode(ids:batch:length:keyLengths:)`.
    public func encodeText(ids: [Int32], batch: Int, length: Int, keyLengths: [Int]? = nil) -> (lastHiddenState: Tensor, pooled: Tensor) {
        textModel.encode(ids: ids, batch: batch, length: length, keyLengths: keyLengths)
    }

    /// Projected, unnormalised text features (B, projection) (transformers `get_text_features`).
    /// Arguments as `CLIPTextTransformer.encode`.
    public func textFeatures(ids: [Int32], batch: Int, length: Int, keyLengths: [Int]? = nil) -> Tensor {
        textProjection(textModel.encode(ids: ids, batch: batch, length: length, keyLengths: keyLengths).pooled)
    }

    /// Projected, L2-normalised text embeddings (B, projection) (`CLIPOutput.text_embeds`).
    public func textEmbeddings(ids: [Int32], batch: Int, length: Int, keyLengths: [Int]? = nil) -> Tensor {
        CLIPOps.l2Normalized(textFeatures(ids: ids, batch: batch, length: length, keyLengths: keyLengths))
    }

    /// Projected, unnormalised image features (B, projection) of pixels (B, C, H, W)
    /// (transformers `get_image_features`).
    public func imageFeatures(pixels: Tensor) -> Tensor {
        visualProjection(visionModel.encode(pixels: pixels).pooled)
    }

    /// Projected, L2-normalised image embeddings (B, projection) (`CLIPOutput.image_embeds`).
    public func imageEmbeddings(pixels: Tensor) -> Tensor {
        CLIPOps.l2Normalized(imageFeatures(pixels: pixels))
    }

    /// Similarity logits of normalised embeddings: `perText` (B_text, B_image) = exp(logit_scale)·t·iᵀ
    /// and `perImage`, its transpose (modeling_clip.py CLIPModel.forward).
    ///
    /// The scale is `logit_scale.exp()` unclamped, as in transformers; the clamp is applied to the
    /// parameter after each optimizer step (`clampLogitScale`).
    public func logits(textEmbeds: Tensor, imageEmbeds: Tensor) -> (perText: Tensor, perImage: Tensor) {
        let perText = textEmbeds.matmul(imageEmbeds.transposed()) * logitScale.value.exp()
        return (perText, perText.transposed())
    }

    /// The symmetric contrastive loss of a batch pairing text *i* with image *i*: the mean of the
    /// cross-entropies of `logitsPerText` and of its transpose against the diagonal
    /// (modeling_clip.py `image_text_contrastive_loss`).
    public static func contrastiveLoss(logitsPerText: Tensor) -> Tensor {
        precondition(logitsPerText.rank == 2 && logitsPerText.shape[0] == logitsPerText.shape[1],
                     "contrastive loss needs square logits (text i pairs with image i), got \(logitsPerText.shape)")
        let targets = Array(0..<logitsPerText.shape[0])
        let captionLoss = logitsPerText.crossEntropy(targets: targets)
        let imageLoss = logitsPerText.transposed().crossEntropy(targets: targets)
        return (captionLoss + imageLoss) * 0.5
    }

    /// The full forward pass (transformers `CLIPModel.forward`); the loss is computed when the
    /// batch is square (`return_loss=True`), so this is also the training objective.
    public func callAsFunction(ids: [Int32], batch: Int, length: Int, keyLengths: [Int]? = nil, pixels: Tensor) -> CLIPOutput {
        let text = textModel.encode(ids: ids, batch: batch, length: length, keyLengths: keyLengths)
        let vision = visionModel.encode(pixels: pixels)
        let textEmbeds = CLIPOps.l2Normalized(textProjection(text.pooled))
        let imageEmbeds = CLIPOps.l2Normalized(visualProjection(vision.pooled))
        let (perText, perImage) = logits(textEmbeds: textEmbeds, imageEmbeds: imageEmbeds)
        let loss = batch == pixels.shape[0] ? CLIPModel.contrastiveLoss(logitsPerText: perText) : nil
        return CLIPOutput(textLastHiddenState: text.lastHiddenState, textPooled: text.pooled,
                          visionLastHiddenState: vision.lastHiddenState, visionPooled: vision.pooled,
                          textEmbeds: textEmbeds, imageEmbeds: imageEmbeds,
                          logitsPerText: perText, logitsPerImage: perImage, loss: loss)
    }

    // MARK: Temperature clamp

    /// Clamps `logit_scale` to [0, ln 100] in place in the flat parameter buffer.
    ///
    /// The trainer calls this right after every optimizer step (`AdamW.update`), before the EMA
    /// update and before any checkpoint, as OpenAI CLIP and open_clip clamp the parameter after
    /// `optimizer.step()` (transformers' forward itself does not clamp). `parameters` and `layout`
    /// are the buffer from `ParameterLayout.flatten()` and its layout; writing into the buffer keeps
    /// the parameter a view of it.
    public func clampLogitScale(in parameters: FlatBuffer, layout: ParameterLayout) {
        guard let entry = layout.entries.first(where: { $0.parameter === logitScale }) else {
            preconditionFailure("clampLogitScale: the layout does not hold this model's logit_scale")
        }
        parameters.clamp(entry.offset..<(entry.offset + 1), min: 0, max: CLIPModel.maxLogitScale)
    }

    /// Clamps `logit_scale` to [0, ln 100] by rebinding the parameter to a new value; for a model
    /// whose parameters are not in a flat buffer (after `flatten()`, use `clampLogitScale(in:layout:)`,
    /// which keeps the binding).
    public func clampLogitScale() {
        let value = logitScale.value.item
        let clamped = Swift.min(Swift.max(value, 0), CLIPModel.maxLogitScale)
        if clamped != value { logitScale.value = Tensor(scalar: clamped) }
    }
}
