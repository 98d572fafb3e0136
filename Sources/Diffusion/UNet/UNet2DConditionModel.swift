import NN
import TensorCore

/// The conditional noise-prediction U-Net, diffusers' `UNet2DConditionModel`
/// (models/unets/unet_2d_condition.py) with cross-attention down/up blocks (DESIGN §3).
///
/// Parameter names are diffusers' state-dict keys, so `save(to:)` writes a folder that
/// `UNet2DConditionModel.from_pretrained` loads strictly. The math follows diffusers: sinusoidal
/// timestep features (cos first) → `time_embedding` MLP; `conv_in`; down blocks that keep every
/// intermediate as a skip; the middle block; up blocks that concatenate the skips newest first;
/// GroupNorm → SiLU → `conv_out`.
///
/// Random initialisation is PyTorch's default except that `conv_out` and every transformer's
/// `proj_out` start at zero, as in the original latent diffusion model (`zero_module`): the freshly
/// built network predicts zero and each attention block starts as the identity. diffusers does not
/// zero them; this only affects training from scratch, never a loaded checkpoint.
public final class UNet2DConditionModel: Module {
    /// The architecture.
    public let config: UNetConfig
    /// `conv_in`: latents to `block_out_channels[0]` features.
    public let convIn: Conv2d
    /// `time_embedding`: the timestep MLP (width 4·`block_out_channels[0]`).
    public let timeEmbedding: TimestepEmbedding
    /// `down_blocks`.
    public let downBlocks: ModuleList<CrossAttnDownBlock2D>
    /// `mid_block`.
    public let midBlock: UNetMidBlock2DCrossAttn
    /// `up_blocks`.
    public let upBlocks: ModuleList<CrossAttnUpBlock2D>
    /// `conv_norm_out`.
    public let convNormOut: GroupNorm
    /// `conv_out`: features to the output channels, zero-initialised.
    public let convOut: Conv2d
    /// SHA-256 of the tokenizer this U-Net was trained with, as its weights file records it (nil
    /// when built here or loaded from a file without the record); checked by `PipelineCompatibility`.
    public internal(set) var trainedTokenizerDigest: String?
    /// The text encoder's last layers left out of the context this U-Net was trained on
    /// (`diffusion.clip_skip`), as its weights file records it (0 when it records none).
    public internal(set) var trainedClipSkip = 0

    /// diffusers' `norm_eps`, used by every ResNet block and the output norm.
    static let normEps: Float = 1e-5

    /// A randomly initialised U-Net for `config` (validated first; a bad config throws a `ConfigError`).
    public init(config: UNetConfig, generator: inout Philox) throws {
        try config.validate()
        self.config = config
        let channels = config.blockOutChannels
        let blocks = channels.count
        let timeDim = 4 * channels[0]  // unet_2d_condition.py `_set_time_proj`: block_out_channels[0] * 4
        let heads = config.attentionHeadDim  // diffusers' legacy name: it is the number of heads
        let groups = config.normNumGroups, eps = Self.normEps
        let context = config.crossAttentionDim, linear = config.useLinearProjection

        convIn = Conv2d(config.inChannels, channels[0], kernelSize: 3, padding: 1, generator: &generator)
        timeEmbedding = TimestepEmbedding(inChannels: channels[0], embeddingDim: timeDim, generator: &generator)

        var down: [CrossAttnDownBlock2D] = []
        for i in 0..<blocks {
            down.append(CrossAttnDownBlock2D(
                inChannels: i == 0 ? channels[0] : channels[i - 1], outChannels: channels[i], timeEmbeddingDim: timeDim,
                layers: config.layersPerBlock, heads: heads, contextDim: context, groups: groups, eps: eps,
                useLinearProjection: linear, addDownsample: i < blocks - 1, generator: &generator))
        }
        downBlocks = ModuleList(down)
        midBlock = UNetMidBlock2DCrossAttn(channels: channels[blocks - 1], timeEmbeddingDim: timeDim, heads: heads,
                                           contextDim: context, groups: groups, eps: eps, useLinearProjection: linear,
                                           generator: &generator)

        // Skip bookkeeping of unet_2d_condition.py: up block i works at reversed[i] channels, follows a
        // block of `prev` channels, and its last resnet takes the skip from one level shallower.
        let reversed = Array(channels.reversed())
        var up: [CrossAttnUpBlock2D] = []
        var output = reversed[0]
        for i in 0..<blocks {
            let previous = output
            output = reversed[i]
            let input = reversed[min(i + 1, blocks - 1)]
            let layers = config.layersPerBlock + 1
            let skips = (0..<layers).map { $0 == layers - 1 ? input : output }
            up.append(CrossAttnUpBlock2D(
                skipChannels: skips, outChannels: output, previousOutChannels: previous, timeEmbeddingDim: timeDim,
                heads: heads, contextDim: context, groups: groups, eps: eps, useLinearProjection: linear,
                addUpsample: i < blocks - 1, generator: &generator))
        }
        upBlocks = ModuleList(up)

        convNormOut = GroupNorm(groups: groups, channels: channels[0], eps: eps)
        convOut = Conv2d(channels[0], config.outChannels, kernelSize: 3, padding: 1, generator: &generator)
        // Zero-initialised output convolution (LDM openaimodel.py `zero_module(conv_nd(...))` in `self.out`).
        convOut.weight.value = Tensor(zeros: convOut.weight.shape)
        convOut.bias?.value = Tensor(zeros: [config.outChannels])
    }

    public var children: [(name: String, module: any Module)] {
        // diffusers' registration order: the block lists exist before mid_block is assigned.
        [("conv_in", convIn), ("time_embedding", timeEmbedding), ("down_blocks", downBlocks), ("up_blocks", upBlocks),
         ("mid_block", midBlock), ("conv_norm_out", convNormOut), ("conv_out", convOut)]
    }

    /// Predicts the model output (noise, v or x₀, as trained) for noisy latents.
    ///
    /// - Parameters:
    ///   - sample: noisy latents (B, in_channels, H, W), H and W multiples of 2^(blocks−1).
    ///   - timesteps: one timestep per batch item (fractional values allowed, as Euler-type samplers use).
    ///   - context: the text encoder's last hidden states (B, L, cross_attention_dim).
    ///   - contextLengths: valid tokens per item (up to and including eos); later tokens are padding that
    ///     cross-attention ignores, as diffusers' `encoder_attention_mask`. Nil attends to all L tokens.
    /// - Returns: (B, out_channels, H, W).
    public func callAsFunction(_ sample: Tensor, timesteps: [Float], context: Tensor, contextLengths: [Int]? = nil) -> Tensor {
        precondition(sample.rank == 4 && sample.shape[1] == config.inChannels,
                     "UNet2DConditionModel: sample must be (B, \(config.inChannels), H, W), got \(sample.shape)")
        let batch = sample.shape[0]
        let factor = 1 << (config.blockOutChannels.count - 1)
        precondition(sample.shape[2] % factor == 0 && sample.shape[3] % factor == 0,
                     "UNet2DConditionModel: H and W must be multiples of \(factor), got \(sample.shape)")
        precondition(timesteps.count == batch, "UNet2DConditionModel: \(batch) samples need \(batch) timesteps, got \(timesteps.count)")
        precondition(context.rank == 3 && context.shape[0] == batch && context.shape[2] == config.crossAttentionDim,
                     "UNet2DConditionModel: context must be (\(batch), L, \(config.crossAttentionDim)), got \(context.shape)")
        if let lengths = contextLengths {
            precondition(lengths.count == batch && lengths.allSatisfy { $0 >= 1 && $0 <= context.shape[1] },
                         "UNet2DConditionModel: context lengths \(lengths) must be \(batch) values in 1...\(context.shape[1])")
        }
        // A key mask with probability exactly 0 on padding; diffusers adds −10000 to those scores, whose
        // exp underflows to the same 0 in Float32 (unet_2d_condition.py, encoder_attention_mask).
        let mask = AttentionMask(keyLengths: contextLengths)

        // 1. time: sinusoidal features → MLP; every ResNet block applies SiLU to it, so do it once.
        let features = TimestepProjection.embed(timesteps, dim: config.blockOutChannels[0], flipSinToCos: config.flipSinToCos,
                                                downscaleFreqShift: Float(config.freqShift))
        let embedding = timeEmbedding(features).silu()

        // 2.–3. conv_in, then down blocks; every intermediate is kept as a skip.
        var h = convIn(sample)
        var skips = [h]
        for block in downBlocks.items {
            let (out, blockSkips) = block(h, activatedEmbedding: embedding, context: context, contextMask: mask)
            h = out
            skips += blockSkips
        }
        // 4. middle
        h = midBlock(h, activatedEmbedding: embedding, context: context, contextMask: mask)
        // 5. up blocks take the newest skips, one per resnet.
        for block in upBlocks.items {
            let n = block.resnets.count
            let blockSkips = Array(skips.suffix(n))
            skips.removeLast(n)
            h = block(h, skips: blockSkips, activatedEmbedding: embedding, context: context, contextMask: mask)
        }
        // 6. out
        return convOut(convNormOut(h).silu())
    }
}
