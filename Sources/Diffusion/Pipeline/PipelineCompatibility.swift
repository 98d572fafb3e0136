import TensorCore
import Tokenizers

/// Whether the parts of a pipeline fit together, checked before anything runs (DESIGN §7): each
/// part is valid on its own, but parts trained in different runs (or a stage retrained with other
/// settings) can disagree, and the model code would otherwise trap on the first mismatched shape.
public enum PipelineCompatibility {
    /// What each part is called in messages: its file when loaded from a folder.
    public struct Names: Sendable {
        public var tokenizer = "the tokenizer"
        public var textEncoder = "the text encoder"
        public var vae = "the autoencoder"
        public var unet = "the U-Net"
        public var unetWeights = "the U-Net"

        public init() {}

        /// The config files (and tokenizer model) of the pipeline folder `folder`.
        public init(folder: RunFolder) {
            tokenizer = folder.tokenizerModel.path
            textEncoder = folder.textEncoder.appendingPathComponent("config.json").path
            vae = folder.vae.appendingPathComponent("config.json").path
            unet = folder.unet.appendingPathComponent("config.json").path
            unetWeights = folder.unet.appendingPathComponent(UNet2DConditionModel.weightsFileName).path
        }
    }

    /// The first disagreement between the parts, as one line naming both files and both values, or
    /// nil when they fit: tokenizer pieces ≤ text embedding rows; text hidden size = U-Net
    /// `cross_attention_dim`; autoencoder latent channels = U-Net in and out channels; U-Net
    /// `sample_size` divisible by its downsampling (so the image side is sample_size × the
    /// autoencoder's factor); the tokenizer is the one the U-Net was trained with, when its weights
    /// record that (`UNet2DConditionModel.tokenizerDigestKey`).
    public static func problem(tokenizer: SentencePieceTokenizer, textEncoder: CLIPTextModel, vae: AutoencoderKL,
                               unet: UNet2DConditionModel, names: Names = Names()) -> String? {
        let text = textEncoder.textModel
        if tokenizer.vocabSize > text.vocabularySize {
            return "\(names.tokenizer) has \(tokenizer.vocabSize) pieces but \(names.textEncoder) has vocab_size \(text.vocabularySize): "
                + "the text encoder was trained with another tokenizer"
        }
        if text.config.hiddenSize != unet.config.crossAttentionDim {
            return "\(names.unet) has cross_attention_dim \(unet.config.crossAttentionDim) but \(names.textEncoder) has hidden_size "
                + "\(text.config.hiddenSize): the U-Net was trained with another text encoder"
        }
        let latents = vae.config.latentChannels
        if unet.config.inChannels != latents || unet.config.outChannels != latents {
            return "\(names.unet) has in_channels \(unet.config.inChannels) and out_channels \(unet.config.outChannels) but "
                + "\(names.vae) has latent_channels \(latents): the U-Net was trained on another autoencoder's latents"
        }
        if let recorded = unet.trainedTokenizerDigest {
            let digest = SHA256.hex(tokenizer.modelBytes)
            if digest != recorded {
                return "\(names.tokenizer) has SHA-256 \(digest.prefix(12))… but \(names.unetWeights) was trained with the tokenizer "
                    + "\(recorded.prefix(12))…: the text encoder was retrained after the U-Net; retrain the U-Net (t2i train-unet --restart)"
            }
        }
        let factor = 1 << max(0, unet.config.blockOutChannels.count - 1)
        if unet.config.sampleSize < 1 || unet.config.sampleSize % factor != 0 {
            return "\(names.unet) has sample_size \(unet.config.sampleSize), not a positive multiple of \(factor) "
                + "(its \(unet.config.blockOutChannels.count) levels halve the latents \(unet.config.blockOutChannels.count - 1) times)"
        }
        return nil
    }
}

/// The parts of a pipeline do not fit together; the message names both files and both values.
public struct PipelineMismatchError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
