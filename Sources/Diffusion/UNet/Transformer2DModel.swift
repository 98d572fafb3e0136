import NN
import TensorCore

/// diffusers' `Transformer2DModel` on continuous input (models/transformers/transformer_2d.py):
/// GroupNorm (eps 1e-6) → `proj_in` → transformer blocks over the H·W pixels → `proj_out`, plus the input.
///
/// With `use_linear_projection` the projections are `Linear` layers applied to the flattened pixels;
/// otherwise 1×1 convolutions applied to the feature map. `proj_out` starts at zero (the original
/// LDM's `zero_module(proj_out)` in `SpatialTransformer`), so a freshly built block is the identity;
/// diffusers initialises it randomly, which only matters for training from scratch.
public final class Transformer2DModel: Module {
    /// `proj_in` / `proj_out`: a `Linear` on (B, H·W, C) or a 1×1 `Conv2d` on (B, C, H, W).
    public enum Projection {
        case linear(Linear)
        case conv(Conv2d)

        var module: any Module {
            switch self {
            case .linear(let layer): layer
            case .conv(let layer): layer
            }
        }
    }

    /// `norm`: GroupNorm (eps 1e-6) of the input.
    public let norm: GroupNorm
    /// `proj_in`.
    public let projectionIn: Projection
    /// `transformer_blocks`.
    public let blocks: ModuleList<BasicTransformerBlock>
    /// `proj_out`, zero-initialised.
    public let projectionOut: Projection

    /// A transformer over `channels` features with `heads` heads of `channels / heads`.
    public init(channels: Int, heads: Int, contextDim: Int, groups: Int, layers: Int = 1,
                useLinearProjection: Bool, generator: inout Philox) {
        let headDim = channels / heads
        let inner = heads * headDim
        norm = GroupNorm(groups: groups, channels: channels, eps: 1e-6)
        projectionIn = useLinearProjection
            ? .linear(Linear(channels, inner, generator: &generator))
            : .conv(Conv2d(channels, inner, kernelSize: 1, generator: &generator))
        blocks = ModuleList((0..<layers).map { _ in
            BasicTransformerBlock(dim: inner, heads: heads, headDim: headDim, contextDim: contextDim, generator: &generator)
        })
        projectionOut = useLinearProjection
            ? .linear(Linear(inner, channels, generator: &generator))
            : .conv(Conv2d(inner, channels, kernelSize: 1, generator: &generator))
        // Zero-initialised output projection (LDM ldm/modules/attention.py `zero_module(proj_out)`).
        for (_, p) in projectionOut.module.namedParameters() { p.value = Tensor(zeros: p.shape) }
    }

    public var children: [(name: String, module: any Module)] {
        [("norm", norm), ("proj_in", projectionIn.module), ("transformer_blocks", blocks),
         ("proj_out", projectionOut.module)]
    }

    /// x: (B, C, H, W); context: (B, Lk, contextDim) → (B, C, H, W).
    public func callAsFunction(_ x: Tensor, context: Tensor, contextMask: AttentionMask) -> Tensor {
        let (b, c, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let pixels = height * width
        let normed = norm(x)
        // transformer_2d.py: permute(0, 2, 3, 1).reshape(B, H·W, C) around the blocks (one copy each way).
        var h: Tensor
        switch projectionIn {
        case .linear(let layer):
            h = layer(normed.reshaped([b, c, pixels]).transposed(1, 2))
        case .conv(let layer):
            let projected = layer(normed)
            h = projected.reshaped([b, projected.shape[1], pixels]).transposed(1, 2)
        }
        for block in blocks.items { h = block(h, context: context, contextMask: contextMask) }
        let out: Tensor
        switch projectionOut {
        case .linear(let layer):
            out = layer(h).transposed(1, 2).reshaped([b, c, height, width])
        case .conv(let layer):
            out = layer(h.transposed(1, 2).reshaped([b, h.shape[2], height, width]))
        }
        return out + x
    }
}
