import NN
import TensorCore

/// diffusers' `CrossAttnUpBlock2D` (models/unets/unet_2d_blocks.py): `layers` pairs of
/// (ResnetBlock2D, Transformer2DModel), each resnet taking the running features concatenated (on
/// channels) with the newest remaining skip connection, then an optional nearest-2× upsampler.
public final class CrossAttnUpBlock2D: Module {
    /// `attentions.i`: the transformer after resnet *i*.
    public let attentions: ModuleList<Transformer2DModel>
    /// `resnets.i`: the ResNet blocks, each fed a skip connection.
    public let resnets: ModuleList<ResnetBlock2D>
    /// `upsamplers.0`, absent in the last (full-resolution) block.
    public let upsampler: Upsample2D?

    /// A block producing `outChannels` from `previousOutChannels` (the block below) and skips.
    ///
    /// `skipChannels[i]` is the channel count of the skip that resnet *i* consumes; diffusers derives
    /// it as `in_channels` for the last resnet and `out_channels` for the others (unet_2d_blocks.py
    /// `res_skip_channels`), which is what `UNet2DConditionModel` passes here.
    public init(skipChannels: [Int], outChannels: Int, previousOutChannels: Int, timeEmbeddingDim: Int, heads: Int,
                contextDim: Int, groups: Int, eps: Float, useLinearProjection: Bool, addUpsample: Bool,
                generator: inout Philox) {
        var resnets: [ResnetBlock2D] = [], attentions: [Transformer2DModel] = []
        for (i, skip) in skipChannels.enumerated() {
            let input = (i == 0 ? previousOutChannels : outChannels) + skip
            resnets.append(ResnetBlock2D(inChannels: input, outChannels: outChannels, timeEmbeddingDim: timeEmbeddingDim,
                                         groups: groups, eps: eps, generator: &generator))
            attentions.append(Transformer2DModel(channels: outChannels, heads: heads, contextDim: contextDim, groups: groups,
                                                 useLinearProjection: useLinearProjection, generator: &generator))
        }
        self.resnets = ModuleList(resnets)
        self.attentions = ModuleList(attentions)
        upsampler = addUpsample ? Upsample2D(channels: outChannels, generator: &generator) : nil
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("attentions", attentions), ("resnets", resnets)]
        if let upsampler { list.append(("upsamplers", ModuleList([upsampler]))) }
        return list
    }

    /// x: (B, Cprev, H, W); `skips` holds this block's skip connections oldest first (the last is
    /// consumed first) → (B, Cout, H, W), or (B, Cout, 2H, 2W) with an upsampler.
    public func callAsFunction(_ x: Tensor, skips: [Tensor], activatedEmbedding: Tensor, context: Tensor,
                               contextMask: AttentionMask) -> Tensor {
        precondition(skips.count == resnets.count, "CrossAttnUpBlock2D needs \(resnets.count) skips, got \(skips.count)")
        var h = x
        for (i, (resnet, attention)) in zip(resnets.items, attentions.items).enumerated() {
            // unet_2d_blocks.py: res_hidden_states_tuple[-1], then torch.cat([h, res], dim=1).
            h = Tensor.concatenate([h, skips[skips.count - 1 - i]], axis: 1)
            h = resnet(h, activatedEmbedding: activatedEmbedding)
            h = attention(h, context: context, contextMask: contextMask)
        }
        if let upsampler { h = upsampler(h) }
        return h
    }
}
