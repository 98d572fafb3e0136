import CVectorMath
import Foundation

extension CPUBackend {
    /// Whether the 3×3 convolutions run as Winograd F(2×2, 3×3) (`conv2dWinograd`). On by default
    /// where it applies; `T2I_WINOGRAD=0` in the environment keeps the direct kernels (to compare
    /// speed or bits).
    static let winogradEnabled = getenv("T2I_WINOGRAD").map { String(cString: $0) != "0" } ?? true

    /// Whether `g` runs as Winograd F(2×2, 3×3): a 3×3, stride-1, padding-1 convolution on AVX-512
    /// with at least `winogradMinimumChannels` input and output channels (below that the 16 small
    /// GEMMs and the transforms cost more than the 2.25× fewer multiplies save).
    public static func winogradTakes(_ g: Conv2dGeometry) -> Bool {
        winogradEnabled && VectorISA.active == .avx512 && g.kernelHeight == 3 && g.kernelWidth == 3
            && g.strideH == 1 && g.strideW == 1 && g.padH == 1 && g.padW == 1
            && min(g.inChannels, g.outChannels) >= winogradMinimumChannels
            && (g.height * g.width) >= winogradMinimumPositions
    }

    /// The fewest input and output channels `winogradTakes`.
    static let winogradMinimumChannels = 16
    /// The fewest positions per image `winogradTakes`. 4×4 (the default U-Net's lower level) pays
    /// since the transforms of images at most 8 wide take 16 tiles per vector across tile rows and
    /// images: `t2i bench kernels --only conv2d`, B64 128→128 4×4, fwd+bwd 96–109 % of sgemm
    /// with Winograd against 70–80 % with the direct kernels (fwd alone about the same).
    static let winogradMinimumPositions = 16

    /// Tiles (2×2 outputs) per block of `conv2dWinograd`: its transformed patches and products,
    /// 16·(Cin + Cout)·columns floats, stay in L2 at these models' widths (32 and 128 measured the
    /// same on the autoencoder step, 256 slower).
    static let winogradColumns = 64

    /// `y = conv(x, w) + bias` (or, with `accumulate`, `y += conv(x, w)`) for a convolution that
    /// `winogradTakes`, as Winograd F(2×2, 3×3) (CVectorMath's `t2i_winograd_*`): the kernels
    /// transformed and packed once, then blocks of `winogradColumns` tiles — taken across image
    /// boundaries — in parallel. With `transposed`, `g` is the convolution whose input gradient this
    /// is: x holds dY (B, Cout, H, W), y dX (B, Cin, H, W), and the kernels are w transposed and
    /// turned by 180° (dX of a stride-1 "same" convolution is itself such a convolution of dY).
    ///
    /// An output depends only on its own image (the tiles are independent, and each column of the
    /// packed GEMM depends only on its own column), so the bits do not depend on the batch or the
    /// thread count; they differ from the direct convolution's in the last places.
    func conv2dWinograd(_ g: Conv2dGeometry, transposed: Bool, input x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        precondition(Self.winogradTakes(g), "conv2dWinograd: \(g) is not a 3×3 stride-1 padding-1 convolution on AVX-512")
        // the convolution run: cin → cout planes of h × w
        let (cin, cout) = transposed ? (g.outChannels, g.inChannels) : (g.inChannels, g.outChannels)
        let (h, w) = (g.height, g.width)
        let tiles = ((h + 1) / 2) * ((w + 1) / 2)
        let columns = g.batch * tiles, per = Self.winogradColumns
        let packedCount = t2i_winograd_packed_count(Int32(cout), Int32(cin))
        ScratchPool.withBuffer(count: packedCount) { packed in
            // one 16-row panel of every U_ξ per block
            Parallel.forEach(blocks: (cout + 15) / 16) { panel in
                t2i_winograd_pack_weights(weight, Int32(g.outChannels), Int32(g.inChannels), transposed ? 1 : 0, Int32(panel), 1, packed)
            }
            Parallel.forEach(blocks: (columns + per - 1) / per) { block in
                let first = block * per, count = min(per, columns - first)
                ScratchPool.withBuffer(count: t2i_winograd_scratch_count(Int32(cout), Int32(cin), Int32(count))) { scratch in
                    t2i_winograd_conv_avx512(packed, Int32(cout), Int32(cin), x, Int32(h), Int32(w), Int32(first), Int32(count),
                                             y, accumulate ? 1 : 0, bias, scratch)
                }
            }
        }
    }

    /// Tiles per block of `conv2dWinogradWeightGradient`: each block's 16 products sum over this many
    /// tiles, accumulating into the group's cout × cin transformed gradient.
    static let winogradWeightColumns = 128

    /// `dW += ∂L/∂W` of a convolution that `winogradTakes`, in the Winograd domain: the images in
    /// `weightGradientGroups` fixed groups, each summing dU (16, Cout, Cin) over its tiles in blocks
    /// of `winogradWeightColumns` (CVectorMath's `t2i_winograd_weight_grad_avx512`), the groups' sums
    /// added in group order, then turned back into the kernels' gradient once (`Gᵀ dU G`). A fixed
    /// order: the bits do not depend on the thread count. 2.25× fewer multiplies than the direct
    /// `t2i_conv_same_weight_grad_avx512`.
    func conv2dWinogradWeightGradient(_ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                      gradWeight: UnsafeMutablePointer<Float>) {
        precondition(Self.winogradTakes(g), "conv2dWinogradWeightGradient: \(g) is not a 3×3 stride-1 padding-1 convolution on AVX-512")
        let (cin, cout, h, w) = (g.inChannels, g.outChannels, g.height, g.width)
        let tiles = ((h + 1) / 2) * ((w + 1) / 2)
        let perGroup = (g.batch + Self.weightGradientGroups - 1) / Self.weightGradientGroups
        let groups = (g.batch + perGroup - 1) / perGroup
        let transformed = 16 * cout * cin, per = Self.winogradWeightColumns
        ScratchPool.withBuffer(count: groups * transformed) { partials in
            Parallel.forEach(blocks: groups) { group in
                let partial = partials + group * transformed
                partial.update(repeating: 0, count: transformed)
                let images = (group * perGroup)..<min(g.batch, (group + 1) * perGroup)
                let columns = (images.lowerBound * tiles)..<(images.upperBound * tiles)
                ScratchPool.withBuffer(count: t2i_winograd_weight_grad_scratch_count(Int32(cout), Int32(cin), Int32(per))) { scratch in
                    for first in stride(from: columns.lowerBound, to: columns.upperBound, by: per) {
                        t2i_winograd_weight_grad_avx512(input, gradOutput, Int32(cin), Int32(cout), Int32(h), Int32(w), Int32(first),
                                                        Int32(min(per, columns.upperBound - first)), partial, scratch)
                    }
                }
            }
            // partials: (groups, 16·Cout·Cin), summed in group order, then dW += Gᵀ dU G
            for group in 1..<max(groups, 1) { add(partials + group * transformed, into: partials, count: transformed) }
            Parallel.forEach(range: cout * cin, blockSize: 1024) { kernels in
                t2i_winograd_weight_grad_finish(partials, Int32(cout), Int32(cin), kernels.lowerBound, kernels.count, gradWeight)
            }
        }
    }
}
