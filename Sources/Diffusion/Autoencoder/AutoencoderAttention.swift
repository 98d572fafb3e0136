import NN
import TensorCore

/// Single-head self-attention over the pixels with group norm in front and a residual connection
/// (diffusers `Attention` as `UNetMidBlock2D` builds it for the VAE: `heads = C / attention_head_dim`
/// with `attention_head_dim = C`, so one head of dimension C; `bias=True`,
/// `residual_connection=True`, `rescale_output_factor=1`, `norm_num_groups` groups, eps 1e-6).
///
/// Parameters: `group_norm`, `to_q`, `to_k`, `to_v`, `to_out.0`, each with weight and bias.
public final class AutoencoderAttention: Module {
    public let groupNorm: GroupNorm
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear

    /// Attention over `channels` features with `groups` normalisation groups.
    public init(channels: Int, groups: Int, generator: inout Philox) {
        groupNorm = GroupNorm(groups: groups, channels: channels, eps: 1e-6)
        query = Linear(channels, channels, bias: true, generator: &generator)
        key = Linear(channels, channels, bias: true, generator: &generator)
        value = Linear(channels, channels, bias: true, generator: &generator)
        output = Linear(channels, channels, bias: true, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        // `to_out` is an nn.ModuleList([Linear, Dropout]) in diffusers: only index 0 has parameters.
        [("group_norm", groupNorm), ("to_q", query), ("to_k", key), ("to_v", value), ("to_out", ModuleList([output]))]
    }

    /// x: (B, C, H, W) → (B, C, H, W).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let l = h * w
        // attention_processor.py AttnProcessor2_0: group_norm is applied to (B, C, H·W), which is
        // the same as normalising (B, C, H, W); then view(B, C, H·W).transpose(1, 2) → (B, L, C).
        let tokens = groupNorm(x).reshaped([b, c, l]).transposed(1, 2)
        // One head: (B, L, C) → (B, 1, L, C) is a view, no head split needed.
        let q = query(tokens).reshaped([b, 1, l, c])
        let k = key(tokens).reshaped([b, 1, l, c])
        let v = value(tokens).reshaped([b, 1, l, c])
        // F.scaled_dot_product_attention with its default scale 1/√head_dim = 1/√C.
        let attended = Tensor.scaledDotProductAttention(query: q, key: k, value: v).reshaped([b, l, c])
        // to_out[0], then transpose(-1, -2).reshape(B, C, H, W), + residual, / rescale_output_factor (1).
        return output(attended).transposed(1, 2).reshaped([b, c, h, w]) + x
    }
}
