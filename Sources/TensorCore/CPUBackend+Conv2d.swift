extension CPUBackend {
    /// Convolution as im2col + GEMM (Caffe / PyTorch `slow_conv2d`), parallel over (image, output-row tile).
    ///
    /// W is packed once (`VectorISA.pack`, panels of 16 output channels); each block builds the
    /// columns of a tile of output rows, sized to stay in L2 (~512 KiB), in pooled scratch and
    /// multiplies `W (Cout, Cin·KH·KW) · cols (Cin·KH·KW, tile)` into that tile of y with the packed
    /// GEMM (`VectorISA.gemmPacked`). A 1×1, stride-1, unpadded convolution multiplies the input
    /// directly (no columns), and a stride-1 convolution whose output keeps the input's size reads
    /// its columns from the image as it goes (`VectorISA.convSame`, the same bits). The packed GEMM
    /// computes each output as one chain of fused multiply-adds over Cin·KH·KW, so an image's
    /// output does not depend on the tile or the batch. (Through OpenBLAS, with one GEMM per image
    /// of 4×4 or 8×8 positions, re-packing W for every image took a third of the GEMM time of
    /// generation.)
    public func conv2dForward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        precondition(g.isValid, "conv2d: invalid geometry \(g)")
        if Self.winogradTakes(g) {
            conv2dWinograd(g, transposed: false, input: input, weight: weight, bias: bias, output: output, accumulate: false)
            return
        }
        let tiling = Conv2dTiling(g)
        let (ohw, hw, kdim) = (g.outHeight * g.outWidth, g.height * g.width, tiling.kdim)
        let isa = VectorISA.active
        let same = VectorISA.convSameTakes(g)
        // w: (Cout, Cin·KH·KW) packed into panels of 16 rows
        ScratchPool.withBuffer(count: VectorISA.packedCount(m: g.outChannels, k: kdim)) { packed in
            VectorISA.pack(weight, lda: kdim, m: g.outChannels, k: kdim, into: packed)
            // y tile: (Cout, columns) with row stride OH·OW
            func addBias(_ y: UnsafeMutablePointer<Float>, columns: Int) {
                guard let bias else { return }
                for o in 0..<g.outChannels {
                    let row = y + o * ohw
                    let value = bias[o]
                    for j in 0..<columns { row[j] += value }
                }
            }
            if same && isa.pairsSmallImages && ohw <= 16 {
                // Images of ≤ 16 positions two at a time (`convSamePair`, the same bits as one by one).
                Parallel.forEach(blocks: (g.batch + 1) / 2) { pair in
                    let (first, second) = (2 * pair, min(2 * pair + 1, g.batch - 1))
                    let x0 = input + first * g.inChannels * hw, y0 = output + first * g.outChannels * ohw
                    if second == first {
                        isa.convSame(g, packed: packed, image: x0, positions: 0..<ohw, y: y0, ldy: ohw)
                    } else {
                        isa.convSamePair(g, packed: packed, images: x0, input + second * g.inChannels * hw,
                                         y: y0, output + second * g.outChannels * ohw, ldy: ohw)
                        addBias(output + second * g.outChannels * ohw, columns: ohw)
                    }
                    addBias(y0, columns: ohw)
                }
                return
            }
            // x: (B, Cin, H, W)  cols: (Cin·KH·KW, tileRows·OW)  y: (B, Cout, OH·OW)
            Parallel.forEach(blocks: g.batch * tiling.tiles) { block in
                let (image, tile) = block.quotientAndRemainder(dividingBy: tiling.tiles)
                let rows = tiling.rows(tile)
                let start = rows.lowerBound * g.outWidth
                let columns = rows.count * g.outWidth
                let x = input + image * g.inChannels * hw
                let y = output + image * g.outChannels * ohw + start
                if g.isPointwise {
                    isa.gemmPacked(packed, m: g.outChannels, k: kdim, b: x + start, ldb: hw, n: columns, c: y, ldc: ohw)
                } else if same {
                    isa.convSame(g, packed: packed, image: x, positions: start..<(start + columns), y: y, ldy: ohw)
                } else {
                    ScratchPool.withBuffer(count: kdim * columns) { cols in
                        Self.im2col(g, image: x, rows: rows, cols: cols)
                        isa.gemmPacked(packed, m: g.outChannels, k: kdim, b: cols, ldb: columns, n: columns, c: y, ldc: ohw)
                    }
                }
                addBias(y, columns: columns)
            }
        }
    }

    /// Convolution gradients: `dW += dY·colsᵀ`, `dX += col2im(Wᵀ·dY)`, `db += Σ dY`, all accumulated.
    ///
    /// Images are split into at most `Conv2dTiling.maxWeightBlocks` fixed groups run in parallel;
    /// each group sums its own partial dW, and the partials are added in group order afterwards, so
    /// the result does not depend on which thread ran which group (and there are no write races).
    /// Within an image, output-row tiles keep the columns in L2; dX of an image is written only by
    /// its own group, so col2im's overlapping windows never race.
    public func conv2dBackward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                               gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?) {
        precondition(g.isValid, "conv2d: invalid geometry \(g)")
        if g.batch == 0 { return }
        let ohw = g.outHeight * g.outWidth
        if let gradBias {
            // dy: (B, Cout, OH·OW)  db: (Cout)
            Parallel.forEach(range: g.outChannels, blockSize: 16) { channels in
                for o in channels {
                    var total: Float = 0
                    for image in 0..<g.batch {
                        total += Self.sum(gradOutput + (image * g.outChannels + o) * ohw, count: ohw)
                    }
                    gradBias[o] += total
                }
            }
        }
        if gradInput == nil && gradWeight == nil { return }
        if Self.backwardSameTakes(g) {
            conv2dBackwardSame(g, input: input, weight: weight, gradOutput: gradOutput, gradInput: gradInput, gradWeight: gradWeight)
            return
        }
        let tiling = Conv2dTiling(g)
        let groups = tiling.weightBlocks
        let weightCount = g.weightCount
        ScratchPool.withBuffer(count: gradWeight == nil ? 0 : groups * weightCount) { partials in
            Parallel.forEach(blocks: groups) { group in
                let partial: UnsafeMutablePointer<Float>? = gradWeight == nil ? nil : partials + group * weightCount
                partial?.update(repeating: 0, count: weightCount)
                let images = tiling.images(ofWeightBlock: group)
                if tiling.imagesPerGemm > 1 {
                    for first in stride(from: images.lowerBound, to: images.upperBound, by: tiling.imagesPerGemm) {
                        Self.conv2dBackwardImages(g, tiling: tiling, images: first..<min(images.upperBound, first + tiling.imagesPerGemm),
                                                  input: input, weight: weight, gradOutput: gradOutput, gradInput: gradInput,
                                                  partialWeight: partial)
                    }
                    return
                }
                for image in images {
                    Self.conv2dBackwardImage(g, tiling: tiling, image: image, input: input, weight: weight,
                                             gradOutput: gradOutput, gradInput: gradInput, partialWeight: partial)
                }
            }
            guard let gradWeight else { return }
            // partials: (groups, Cout·Cin·KH·KW), summed in group order into the first group's, then
            // added to dW: per weight ((p₀ + p₁) + p₂ …) + dW, with contiguous vector adds (a scalar
            // loop striding over the groups per weight was a quarter of this function's own time)
            for group in 1..<max(groups, 1) { add(partials + group * weightCount, into: partials, count: weightCount) }
            add(partials, into: gradWeight, count: weightCount)
        }
    }

    /// Small images of `conv2dBackward`, their columns side by side (at 8×8 a GEMM per image has 64
    /// columns, or 64 terms for dW, and spends more time packing than multiplying):
    /// `partialWeight += [dY₁ … dY_G]·[cols₁ … cols_G]ᵀ` (one GEMM with G·OH·OW terms instead of G
    /// GEMMs of OH·OW) and `dX += col2im(Wᵀ·[dY₁ … dY_G])`.
    private static func conv2dBackwardImages(_ g: Conv2dGeometry, tiling: Conv2dTiling, images: Range<Int>,
                                             input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                             gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                                             partialWeight: UnsafeMutablePointer<Float>?) {
        let (ohw, hw, kdim, cout) = (g.outHeight * g.outWidth, g.height * g.width, tiling.kdim, g.outChannels)
        let n = images.count * ohw
        // dyG: (Cout, G·OH·OW)  cols: (Cin·KH·KW, G·OH·OW)  dW: (Cout, Cin·KH·KW)
        ScratchPool.withBuffer(count: (kdim + cout) * n) { scratch in
            let cols = scratch, dyG = scratch + kdim * n
            for (k, image) in images.enumerated() {
                let dy = gradOutput + image * cout * ohw
                for o in 0..<cout { (dyG + o * n + k * ohw).update(from: dy + o * ohw, count: ohw) }
            }
            if let partialWeight {
                for (k, image) in images.enumerated() {
                    im2col(g, image: input + image * g.inChannels * hw, rows: 0..<g.outHeight, cols: cols + k * ohw, ld: n)
                }
                sgemm(transA: false, transB: true, m: cout, n: kdim, k: n, alpha: 1,
                      a: dyG, lda: n, b: cols, ldb: n, beta: 1, c: partialWeight, ldc: kdim)
            }
            if let gradInput {
                // The columns are free again: they take dcols = Wᵀ·dY.
                sgemm(transA: true, transB: false, m: kdim, n: n, k: cout, alpha: 1,
                      a: weight, lda: kdim, b: dyG, ldb: n, beta: 0, c: cols, ldc: n)
                for (k, image) in images.enumerated() {
                    col2imAdd(g, cols: cols + k * ohw, rows: 0..<g.outHeight, image: gradInput + image * g.inChannels * hw, ld: n)
                }
            }
        }
    }

    /// One image of `conv2dBackward`: tile by tile, `partialWeight += dY·colsᵀ` and `gradInput += col2im(Wᵀ·dY)`.
    private static func conv2dBackwardImage(_ g: Conv2dGeometry, tiling: Conv2dTiling, image: Int,
                                            input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                            gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                                            partialWeight: UnsafeMutablePointer<Float>?) {
        let (ohw, hw, kdim, cout) = (g.outHeight * g.outWidth, g.height * g.width, tiling.kdim, g.outChannels)
        let x = input + image * g.inChannels * hw
        let dy = gradOutput + image * cout * ohw
        let dx = gradInput.map { $0 + image * g.inChannels * hw }
        // x: (Cin, H·W)  dy: (Cout, OH·OW)  cols: (Cin·KH·KW, tile)  w, dW: (Cout, Cin·KH·KW)
        for tile in 0..<tiling.tiles {
            let rows = tiling.rows(tile)
            let start = rows.lowerBound * g.outWidth
            let columns = rows.count * g.outWidth
            if g.isPointwise {
                if let partialWeight {
                    sgemm(transA: false, transB: true, m: cout, n: kdim, k: columns, alpha: 1,
                          a: dy + start, lda: ohw, b: x + start, ldb: hw, beta: 1, c: partialWeight, ldc: kdim)
                }
                if let dx {
                    sgemm(transA: true, transB: false, m: kdim, n: columns, k: cout, alpha: 1,
                          a: weight, lda: kdim, b: dy + start, ldb: ohw, beta: 1, c: dx + start, ldc: hw)
                }
                continue
            }
            ScratchPool.withBuffer(count: kdim * columns) { cols in
                if let partialWeight {
                    im2col(g, image: x, rows: rows, cols: cols)
                    sgemm(transA: false, transB: true, m: cout, n: kdim, k: columns, alpha: 1,
                          a: dy + start, lda: ohw, b: cols, ldb: columns, beta: 1, c: partialWeight, ldc: kdim)
                }
                if let dx {
                    // The columns buffer is free again: reuse it for dcols = Wᵀ·dY.
                    sgemm(transA: true, transB: false, m: kdim, n: columns, k: cout, alpha: 1,
                          a: weight, lda: kdim, b: dy + start, ldb: ohw, beta: 0, c: cols, ldc: columns)
                    col2imAdd(g, cols: cols, rows: rows, image: dx)
                }
            }
        }
    }

    /// Unfolds the receptive fields of output rows `rows` of one image into columns.
    ///
    /// `ld` is the row stride of `cols` (default: the columns of these rows; larger when the
    /// columns of several images stand side by side).
    static func im2col(_ g: Conv2dGeometry, image x: UnsafePointer<Float>, rows: Range<Int>,
                       cols: UnsafeMutablePointer<Float>, ld: Int? = nil) {
        let (h, w, ow) = (g.height, g.width, g.outWidth)
        let columns = rows.count * ow, ld = ld ?? columns
        if g.strideH == 1 && g.strideW == 1 && ow == w {
            im2colSame(g, image: x, rows: rows, cols: cols, ld: ld)
            return
        }
        // x: (Cin, H, W)  cols: (Cin·KH·KW, rows·OW), row (c, kh, kw) holds x[c, oh·sh − ph + kh, ow·sw − pw + kw]
        for c in 0..<g.inChannels {
            let plane = x + c * h * w
            for kh in 0..<g.kernelHeight {
                for kw in 0..<g.kernelWidth {
                    let row = cols + ((c * g.kernelHeight + kh) * g.kernelWidth + kw) * ld
                    // Output columns whose input column lies inside the image: [lo, hi).
                    let (lo, hi) = validRange(out: ow, size: w, stride: g.strideW, pad: g.padW, offset: kw)
                    for oh in rows {
                        let dst = row + (oh - rows.lowerBound) * ow
                        let ih = oh * g.strideH - g.padH + kh
                        if ih < 0 || ih >= h {
                            dst.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = plane + ih * w - g.padW + kw
                        for j in 0..<lo { dst[j] = 0 }
                        if g.strideW == 1 {
                            for j in lo..<hi { dst[j] = src[j] }
                        } else {
                            for j in lo..<hi { dst[j] = src[j * g.strideW] }
                        }
                        for j in hi..<ow { dst[j] = 0 }
                    }
                }
            }
        }
    }

    /// `im2col` for stride 1 with OW = W ("same" width): a column row is the input plane shifted by
    /// (kh − padH) rows and (kw − padW) columns, so each is one contiguous copy of the valid input
    /// rows, after which the few entries that wrapped around a row edge are zeroed.
    private static func im2colSame(_ g: Conv2dGeometry, image x: UnsafePointer<Float>, rows: Range<Int>,
                                   cols: UnsafeMutablePointer<Float>, ld: Int) {
        let (h, w) = (g.height, g.width)
        let columns = rows.count * w
        // x: (Cin, H, W)  cols: (Cin·KH·KW, rows·W), row (c, kh, kw)[r·W + j] = x[c, r − padH + kh, j − padW + kw]
        for c in 0..<g.inChannels {
            let plane = x + c * h * w
            for kh in 0..<g.kernelHeight {
                // Output rows whose input row r − padH + kh lies inside the image: [first, last).
                let first = min(max(rows.lowerBound, g.padH - kh), rows.upperBound)
                let last = max(min(rows.upperBound, h + g.padH - kh), first)
                for kw in 0..<g.kernelWidth {
                    let row = cols + ((c * g.kernelHeight + kh) * g.kernelWidth + kw) * ld
                    let shift = kw - g.padW
                    let head = (first - rows.lowerBound) * w
                    let span = (last - first) * w
                    zero(row, head)
                    zero(row + head + span, columns - head - span)
                    if span == 0 { continue }
                    // The span reads plane[(first − padH + kh)·W + shift ..< … + span], clipped to the plane.
                    let dst = row + head
                    let src = plane + (first - g.padH + kh) * w + shift
                    let lead = max(0, -shift - (first - g.padH + kh) * w)
                    let tail = max(0, (first - g.padH + kh) * w + shift + span - h * w)
                    zero(dst, lead)
                    (dst + lead).update(from: src + lead, count: span - lead - tail)
                    zero(dst + span - tail, tail)
                    // Entries whose input column j + shift fell off the left or right edge.
                    if shift != 0 {
                        for r in 0..<(last - first) {
                            let line = dst + r * w
                            if shift < 0 {
                                zero(line, min(-shift, w))
                            } else {
                                zero(line + max(w - shift, 0), min(shift, w))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Folds columns of output rows `rows` back onto one image, adding overlapping windows (the adjoint of `im2col`).
    ///
    /// `cols` is scratch: the stride-1 "same" path zeroes its wrapped-around entries first.
    /// `ld` is the row stride of `cols`, as for `im2col`.
    static func col2imAdd(_ g: Conv2dGeometry, cols: UnsafeMutablePointer<Float>, rows: Range<Int>,
                          image dx: UnsafeMutablePointer<Float>, ld: Int? = nil) {
        let (h, w, ow) = (g.height, g.width, g.outWidth)
        let ld = ld ?? rows.count * ow
        if g.strideH == 1 && g.strideW == 1 && ow == w {
            // AVX-512: each input position sums its taps in registers (one pass over dx instead of
            // one per tap); col2im took 5.4 % of a single-thread U-Net step as the scatter.
            if VectorISA.convSameTakes(g), VectorISA.active.col2imSame(g, cols: cols, ld: ld, rows: rows, image: dx) { return }
            col2imAddSame(g, cols: cols, rows: rows, image: dx, ld: ld)
            return
        }
        // cols: (Cin·KH·KW, rows·OW)  dx: (Cin, H, W)
        for c in 0..<g.inChannels {
            let plane = dx + c * h * w
            for kh in 0..<g.kernelHeight {
                for kw in 0..<g.kernelWidth {
                    let row = cols + ((c * g.kernelHeight + kh) * g.kernelWidth + kw) * ld
                    let (lo, hi) = validRange(out: ow, size: w, stride: g.strideW, pad: g.padW, offset: kw)
                    for oh in rows {
                        let ih = oh * g.strideH - g.padH + kh
                        if ih < 0 || ih >= h { continue }
                        let src = row + (oh - rows.lowerBound) * ow
                        let dst = plane + ih * w - g.padW + kw
                        if g.strideW == 1 {
                            for j in lo..<hi { dst[j] += src[j] }
                        } else {
                            for j in lo..<hi { dst[j * g.strideW] += src[j] }
                        }
                    }
                }
            }
        }
    }

    /// `col2imAdd` for stride 1 with OW = W: the mirror of `im2colSame`, one contiguous add per
    /// column row after zeroing the entries that would wrap around a row edge.
    private static func col2imAddSame(_ g: Conv2dGeometry, cols: UnsafeMutablePointer<Float>, rows: Range<Int>,
                                      image dx: UnsafeMutablePointer<Float>, ld: Int) {
        let (h, w) = (g.height, g.width)
        // cols: (Cin·KH·KW, rows·W)  dx: (Cin, H, W), dx[c, r − padH + kh, j − padW + kw] += row (c, kh, kw)[r·W + j]
        for c in 0..<g.inChannels {
            let plane = dx + c * h * w
            for kh in 0..<g.kernelHeight {
                let first = min(max(rows.lowerBound, g.padH - kh), rows.upperBound)
                let last = max(min(rows.upperBound, h + g.padH - kh), first)
                if first == last { continue }
                for kw in 0..<g.kernelWidth {
                    let row = cols + ((c * g.kernelHeight + kh) * g.kernelWidth + kw) * ld
                    let shift = kw - g.padW
                    let src = row + (first - rows.lowerBound) * w
                    let span = (last - first) * w
                    if shift != 0 {
                        for r in 0..<(last - first) {
                            let line = src + r * w
                            if shift < 0 {
                                zero(line, min(-shift, w))
                            } else {
                                zero(line + max(w - shift, 0), min(shift, w))
                            }
                        }
                    }
                    let start = (first - g.padH + kh) * w + shift
                    let lead = max(0, -start)
                    let tail = max(0, start + span - h * w)
                    let dst = plane + start
                    for j in lead..<max(lead, span - tail) { dst[j] += src[j] }
                }
            }
        }
    }

    /// Zeroes `count` floats at `p`. im2col and col2im zero a few floats per row at the image's
    /// edges (one for a 3×3 kernel with padding 1), and most of their head and tail counts are 0.
    /// At 8×8 images a memset call for each showed in `perf record` of the 10-minute plan's U-Net
    /// step (memset 3.7 %, im2col 6.3 %; after this, under 0.8 % and 4.3 %).
    @inline(__always)
    static func zero(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        switch count {
        case ...0: return
        case 1: p[0] = 0
        case 2: p[0] = 0; p[1] = 0
        default: p.update(repeating: 0, count: count)
        }
    }

    /// The output positions `j` in `0..<out` whose input `j·stride − pad + offset` lies in `0..<size`.
    @inline(__always)
    static func validRange(out: Int, size: Int, stride: Int, pad: Int, offset: Int) -> (Int, Int) {
        // j·stride ≥ pad − offset  and  j·stride ≤ size − 1 + pad − offset
        let first = pad - offset
        let lo = first <= 0 ? 0 : (first + stride - 1) / stride
        let last = size - 1 + pad - offset
        let hi = last < 0 ? 0 : last / stride + 1
        return (min(lo, out), min(max(hi, min(lo, out)), out))
    }
}

extension CPUBackend {
    /// How the convolution kernels cut their work: a function of the geometry only, never of the thread count.
    struct Conv2dTiling {
        /// Rows of the column matrix: Cin·KH·KW.
        let kdim: Int
        /// Output-row tiles per image.
        let tiles: Int
        /// Output height.
        let outHeight: Int
        /// Images per weight-gradient group.
        let imagesPerWeightBlock: Int
        /// Number of weight-gradient groups (each holds a partial dW).
        let weightBlocks: Int
        /// Images in the batch.
        let batch: Int

        /// Column-matrix elements per tile we aim for: 128K floats = 512 KiB, half a Zen 4 / Skylake L2.
        static let targetTileElements = 1 << 17
        /// Most partial weight gradients kept (memory: this many copies of W).
        static let maxWeightBlocks = 8
        /// Most floats of partial weight gradients (64 MiB); large layers get fewer groups.
        static let partialBudget = 1 << 24

        init(_ g: Conv2dGeometry) {
            kdim = g.inChannels * g.kernelHeight * g.kernelWidth
            outHeight = g.outHeight
            let rowElements = max(1, kdim * g.outWidth)
            let rowsPerTile = max(1, min(outHeight, Self.targetTileElements / rowElements))
            tiles = (outHeight + rowsPerTile - 1) / rowsPerTile
            batch = g.batch
            // At most maxWeightBlocks groups, and their partial weight gradients within partialBudget floats.
            let groups = max(1, min(g.batch, Self.maxWeightBlocks, Self.partialBudget / max(1, g.weightCount)))
            imagesPerWeightBlock = max(1, (g.batch + groups - 1) / groups)
            weightBlocks = max(1, (g.batch + imagesPerWeightBlock - 1) / imagesPerWeightBlock)
            // The backward of small images (one tile, under minGemmColumns output positions) goes G
            // at a time through one GEMM: enough for minGemmColumns columns, within four times the
            // tile budget. Not the forward: OpenBLAS rounds a column differently when the GEMM has
            // more columns, and image i of a batch must equal the image generated alone (DESIGN §2).
            // Pointwise convolutions multiply the input in place and stay per image.
            let ohw = max(1, g.outHeight * g.outWidth)
            if tiles == 1 && !g.isPointwise && ohw < Self.minGemmColumns {
                let wanted = (Self.minGemmColumns + ohw - 1) / ohw
                imagesPerGemm = max(1, min(wanted, g.batch, 4 * Self.targetTileElements / max(1, (kdim + g.outChannels) * ohw)))
            } else {
                imagesPerGemm = 1
            }
        }

        /// Output positions a GEMM should have at least, when images are small enough to stack.
        static let minGemmColumns = 256
        /// Images whose columns stand side by side in one backward GEMM (1 unless images are small).
        let imagesPerGemm: Int


        /// Output rows of tile `t`: balanced, consecutive.
        func rows(_ t: Int) -> Range<Int> {
            (t * outHeight / tiles)..<((t + 1) * outHeight / tiles)
        }

        /// Images whose gradients group `group` accumulates.
        func images(ofWeightBlock group: Int) -> Range<Int> {
            (group * imagesPerWeightBlock)..<min(batch, (group + 1) * imagesPerWeightBlock)
        }
    }
}
