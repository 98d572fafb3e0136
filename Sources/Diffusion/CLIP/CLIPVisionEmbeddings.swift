import NN
import TensorCore

/// ViT patch embeddings: a class token, non-overlapping patches through a bias-free convolution,
/// and learned positions (transformers `CLIPVisionEmbeddings`).
///
/// As for text, transformers' `position_ids` buffer is non-persistent and not in checkpoints.
public final class CLIPVisionEmbeddings: Module {
    /// `class_embedding` (hidden): the class token prepended to the patches.
    public let classEmbedding: Parameter
    /// `patch_embedding`: a patch-size, patch-stride convolution without bias.
    public let patchEmbedding: Conv2d
    /// `position_embedding`: (1 + patches, hidden).
    public let positionEmbedding: Embedding
    /// Input height and width.
    public let imageSize: Int
    /// Patch side.
    public let patchSize: Int

    /// Embeddings for `channels`×`imageSize`² images cut into `patchSize`² patches of width `hidden`.
    public init(imageSize: Int, patchSize: Int, channels: Int, hidden: Int, generator: inout Philox) {
        self.imageSize = imageSize
        self.patchSize = patchSize
        let grid = imageSize / patchSize
        classEmbedding = Parameter(Tensor(zeros: [hidden]))
        patchEmbedding = Conv2d(channels, hidden, kernelSize: patchSize, stride: patchSize, bias: false, generator: &generator)
        positionEmbedding = Embedding(grid * grid + 1, hidden, generator: &generator)
        // modeling_clip.py `_init_weights` (CLIPVisionEmbeddings): class N(0, hidden^-1·factor²),
        // patch and position weights N(0, (initializer_range·factor)²).
        let f = Float(CLIPInitialization.factor)
        CLIPInitialization.normal(classEmbedding, std: CLIPInitialization.inverseSqrt(hidden) * f, generator: &generator)
        CLIPInitialization.normal(patchEmbedding.weight, std: Float(CLIPInitialization.range) * f, generator: &generator)
        CLIPInitialization.normal(positionEmbedding.weight, std: Float(CLIPInitialization.range) * f, generator: &generator)
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("class_embedding", classEmbedding)] }

    public var children: [(name: String, module: any Module)] {
        [("patch_embedding", patchEmbedding), ("position_embedding", positionEmbedding)]
    }

    /// pixels: (B, C, imageSize, imageSize) → (B, 1 + patches, hidden), the class token first.
    public func callAsFunction(_ pixels: Tensor) -> Tensor {
        precondition(pixels.rank == 4 && pixels.shape[2] == imageSize && pixels.shape[3] == imageSize,
                     "CLIP vision input \(pixels.shape) does not match the model's image size \(imageSize)")
        let batch = pixels.shape[0]
        let hidden = classEmbedding.shape[0]
        // modeling_clip.py CLIPVisionEmbeddings.forward: conv → flatten(2) → transpose(1, 2).
        let patches = patchEmbedding(pixels)                    // (B, hidden, g, g)
        let count = patches.shape[2] * patches.shape[3]
        let tokens = patches.reshaped([batch, hidden, count]).permuted([0, 2, 1])  // (B, g², hidden)
        let classToken = classEmbedding.value.reshaped([1, 1, hidden]).broadcasted(to: [batch, 1, hidden])
        // torch.cat([class_embeds, patch_embeds], dim=1) + position_embedding(position_ids)
        return Tensor.concatenate([classToken, tokens], axis: 1) + positionEmbedding.weight.value
    }
}
