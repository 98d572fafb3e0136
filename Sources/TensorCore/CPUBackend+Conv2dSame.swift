import CVectorMath

extension CPUBackend {
    /// Whether `conv2dBackward` takes the gradients of `g` from the images directly
    /// (`conv2dBackwardSame`): a 3×3, stride-1 convolution that keeps its input's size, on AVX-512.
    static func backwardSameTakes(_ g: Conv2dGeometry) -> Bool {
        VectorISA.active == .avx512 && VectorISA.convSameTakes(g) && g.kernelHeight == 3 && g.kernelWidth == 3
            && g.padH == 1 && g.padW == 1
    }

    /// The gradients of a convolution that `backwardSameTakes`, without columns:
    ///
    /// - `dX += conv(dY, W′)`: the input gradient of a stride-1 "same" convolution is itself one,
    ///   from dY with the weights transposed (Cin ↔ Cout) and each kernel turned by 180°,
    ///   `W′[c][o][8 − t] = W[o][c][t]` — run by the forward's `convSame` into scratch and added.
    /// - `dW += Σ dY·x` shifted per tap (CVectorMath's `t2i_conv_same_weight_grad_avx512`), the images
    ///   in `weightGradientGroups` fixed groups, each group's partial added in group order as
    ///   `conv2dBackward` does, so the result does not depend on the thread count.
    ///
    /// Compared with im2col + GEMM + col2im (`conv2dBackwardImage`) nothing the size of the columns
    /// (9·Cin·H·W per image) is written or read, and the products run at the forward's rate.
    func conv2dBackwardSame(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                            gradWeight: UnsafeMutablePointer<Float>?) {
        precondition(Self.backwardSameTakes(g), "conv2dBackwardSame: \(g) is not a 3×3 stride-1 same convolution on AVX-512")
        let (hw, taps, cin, cout) = (g.height * g.width, 9, g.inChannels, g.outChannels)
        if let gradInput, Self.winogradTakes(g) {
            conv2dWinograd(g, transposed: true, input: gradOutput, weight: weight, bias: nil, output: gradInput, accumulate: true)
        } else if let gradInput {
            // The transposed convolution: dY (Cout planes) → dX (Cin planes).
            var flipped = g
            (flipped.inChannels, flipped.outChannels) = (cout, cin)
            let kdim = cout * taps
            ScratchPool.withBuffer(count: cin * kdim + VectorISA.packedCount(m: cin, k: kdim)) { scratch in
                // w′: (Cin, Cout·9), w′[c][o·9 + 8 − t] = w[o][c][t]
                let turned = scratch, packed = scratch + cin * kdim
                for o in 0..<cout {
                    for c in 0..<cin {
                        let source = weight + (o * cin + c) * taps
                        let target = turned + c * kdim + o * taps
                        for t in 0..<taps { target[taps - 1 - t] = source[t] }
                    }
                }
                VectorISA.pack(turned, lda: kdim, m: cin, k: kdim, into: packed)
                let isa = VectorISA.active
                Parallel.forEach(blocks: g.batch) { image in
                    ScratchPool.withBuffer(count: cin * hw) { dx in
                        // dx: (Cin, H·W) of this image, then added to gradInput's
                        isa.convSame(flipped, packed: packed, image: gradOutput + image * cout * hw, positions: 0..<hw,
                                     y: dx, ldy: hw)
                        let target = gradInput + image * cin * hw
                        for i in 0..<(cin * hw) { target[i] += dx[i] }
                    }
                }
            }
        }
        guard let gradWeight else { return }
        if Self.winogradTakes(g) {
            conv2dWinogradWeightGradient(g, input: input, gradOutput: gradOutput, gradWeight: gradWeight)
            return
        }
        let perGroup = (g.batch + Self.weightGradientGroups - 1) / Self.weightGradientGroups
        let (groups, weightCount) = ((g.batch + perGroup - 1) / perGroup, g.weightCount)
        ScratchPool.withBuffer(count: groups * weightCount) { partials in
            Parallel.forEach(blocks: groups) { group in
                let partial = partials + group * weightCount
                partial.update(repeating: 0, count: weightCount)
                let images = (group * perGroup)..<min(g.batch, (group + 1) * perGroup)
                let done = t2i_conv_same_weight_grad_avx512(
                    input + images.lowerBound * cin * hw, gradOutput + images.lowerBound * cout * hw, Int32(images.count),
                    Int32(cin), Int32(cout), 3, 3, 1, 1, Int32(g.height), Int32(g.width), partial)
                precondition(done == 1, "conv2dBackwardSame: the weight-gradient kernel refused \(g) (out of memory?)")
            }
            // partials: (groups, Cout·Cin·9), summed in group order, then added to dW
            for group in 1..<max(groups, 1) { add(partials + group * weightCount, into: partials, count: weightCount) }
            add(partials, into: gradWeight, count: weightCount)
        }
    }

    /// Image groups of `conv2dBackwardSame`'s dW, each summing its own partial: fixed (never the
    /// thread count). Fewer, larger groups than `Conv2dTiling`'s 8 spread each sum across the
    /// lanes over more positions at 8×8 and 4×4.
    static let weightGradientGroups = 4
}
