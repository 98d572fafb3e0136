import TensorCore

/// Everything one `CLIPModel` forward pass computes (transformers `CLIPOutput`, plus the towers'
/// unprojected pooled states).
public struct CLIPOutput {
    /// (B_text, L, text hidden), after the final layer norm.
    public var textLastHiddenState: Tensor
    /// (B_text, text hidden), at each sequence's eos token.
    public var textPooled: Tensor
    /// (B_image, 1 + patches, vision hidden), the encoder output.
    public var visionLastHiddenState: Tensor
    /// (B_image, vision hidden), the class token after `post_layernorm`.
    public var visionPooled: Tensor
    /// (B_text, projection), projected and L2-normalised.
    public var textEmbeds: Tensor
    /// (B_image, projection), projected and L2-normalised.
    public var imageEmbeds: Tensor
    /// (B_text, B_image): exp(logit_scale)·cosine similarity.
    public var logitsPerText: Tensor
    /// (B_image, B_text): the transpose of `logitsPerText`.
    public var logitsPerImage: Tensor
    /// The symmetric contrastive loss, when the batch pairs text *i* with image *i* (B_text == B_image).
    public var loss: Tensor?
}
