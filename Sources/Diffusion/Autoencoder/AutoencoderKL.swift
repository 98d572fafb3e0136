import NN
import TensorCore

/// The KL-regularised convolutional autoencoder that defines the latent space (diffusers
/// `AutoencoderKL`, models/autoencoders/autoencoder_kl.py; DESIGN §3).
///
/// Parameter names are diffusers' (`encoder.*`, `decoder.*`, `quant_conv.*`, `post_quant_conv.*`),
/// so `save(to:)` writes a folder that `AutoencoderKL.from_pretrained` loads with strict key matching.
/// `encode` and `decode` do not apply `scalingFactor`; like diffusers, the caller multiplies latents
/// by it before the U-Net and divides by it before `decode`.
public final class AutoencoderKL: Module {
    public let encoder: AutoencoderEncoder
    public let decoder: AutoencoderDecoder
    /// 1×1 convolution on the encoder's moments (`use_quant_conv=True`).
    public let quantConv: Conv2d
    /// 1×1 convolution on the latents before the decoder (`use_post_quant_conv=True`).
    public let postQuantConv: Conv2d
    /// The architecture and `scaling_factor`.
    public private(set) var config: AutoencoderConfig

    /// A randomly initialised model (PyTorch's default initialisers, drawn from `generator`).
    /// Throws a `ConfigError` naming the offending field of `config` (`source` names the config).
    public init(config: AutoencoderConfig, generator: inout Philox, source: String = "vae") throws {
        try Self.validate(config, source: source)
        self.config = config
        encoder = AutoencoderEncoder(config: config, generator: &generator)
        decoder = AutoencoderDecoder(config: config, generator: &generator)
        let latent = config.latentChannels
        quantConv = Conv2d(2 * latent, 2 * latent, kernelSize: 1, generator: &generator)
        postQuantConv = Conv2d(latent, latent, kernelSize: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("encoder", encoder), ("decoder", decoder), ("quant_conv", quantConv), ("post_quant_conv", postQuantConv)]
    }

    /// 1/std of the training latents (`scaling_factor`): latents are multiplied by it before the
    /// U-Net and divided by it before `decode` (LDM paper §4.3.2, D.1).
    public var scalingFactor: Double {
        get { config.scalingFactor }
        set { config.scalingFactor = newValue }
    }

    /// How many times each spatial side shrinks from image to latents: 2^(blocks − 1).
    public var downsamplingFactor: Int { 1 << (config.blockOutChannels.count - 1) }

    /// The posterior q(z|x) of images `x` (B, in_channels, H, W), pixels in [−1, 1].
    public func encode(_ x: Tensor) -> DiagonalGaussian {
        precondition(x.rank == 4 && x.shape[1] == config.inChannels,
                     "AutoencoderKL.encode needs (B, \(config.inChannels), H, W), got \(x.shape)")
        // autoencoder_kl.py _encode: encoder, then quant_conv; encode wraps it in the distribution.
        return DiagonalGaussian(parameters: quantConv(encoder(x)))
    }

    /// Images (B, out_channels, H, W) from latents `z` (B, latent_channels, h, w), unscaled.
    public func decode(_ z: Tensor) -> Tensor {
        precondition(z.rank == 4 && z.shape[1] == config.latentChannels,
                     "AutoencoderKL.decode needs (B, \(config.latentChannels), h, w), got \(z.shape)")
        // autoencoder_kl.py _decode: post_quant_conv, then decoder.
        return decoder(postQuantConv(z))
    }

    /// decode(encode(x).mode()) — diffusers `forward` with `sample_posterior=False`.
    public func reconstruct(_ x: Tensor) -> Tensor {
        decode(encode(x).mode())
    }
}
