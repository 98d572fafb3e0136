import Foundation

/// The second `Backend`: the naive kernels of `ReferenceKernels` (plain loops, Double accumulation,
/// one thread) behind the whole protocol, selected with `T2I_BACKEND=reference` or
/// `Backends.with(ReferenceBackend.shared) { … }`.
///
/// It exists to prove the seam (tinygrad's rule: the whole op suite runs on every backend) and to
/// check the CPU backend against: results agree within the golden tolerances, not bit for bit.
/// Its memory is declared private (`sharesHostMemory == false`), as a device's would be, so every
/// host read or write of a tensor goes through `download` and `upload` — the transfer points a GPU
/// backend needs are exercised by every test that runs on it.
public struct ReferenceBackend: Backend {
    public static let shared = ReferenceBackend()

    public var name: String { "reference" }

    public init() {}

    // MARK: Memory

    public var sharesHostMemory: Bool { false }

    public func allocate(count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    public func deallocate(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        buffer.deallocate()
    }

    public func fill(_ buffer: UnsafeMutablePointer<Float>, count: Int, with value: Float) {
        for i in 0..<count { buffer[i] = value }
    }

    public func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { destination[i] = source[i] }
    }

    public func upload(_ host: UnsafePointer<Float>, to buffer: UnsafeMutablePointer<Float>, count: Int) {
        copy(host, to: buffer, count: count)
    }

    public func download(_ buffer: UnsafePointer<Float>, to host: UnsafeMutablePointer<Float>, count: Int) {
        copy(buffer, to: host, count: count)
    }

    public func copyRows(rows: Int, length: Int, source: UnsafePointer<Float>, sourceStride: Int,
                         destination: UnsafeMutablePointer<Float>, destinationStride: Int, accumulate: Bool) {
        for r in 0..<rows {
            for j in 0..<length {
                let value = source[r * sourceStride + j]
                destination[r * destinationStride + j] = accumulate ? destination[r * destinationStride + j] + value : value
            }
        }
    }

    // MARK: Matrix products, convolution, normalisation, attention (ReferenceKernels)

    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        ReferenceKernels.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                              b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    public func batchedGemm(batch: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, strideA: Int, b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int) {
        ReferenceKernels.batchedGemm(batch: batch, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                     a: a, lda: lda, strideA: strideA, b: b, ldb: ldb, strideB: strideB,
                                     beta: beta, c: c, ldc: ldc, strideC: strideC)
    }

    public func rowBlockedGemm(transB: Bool, m: Int, n: Int, k: Int, rowsPerItem: Int, alpha: Float,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?) {
        precondition(rowsPerItem >= 1 && m % rowsPerItem == 0, "rowBlockedGemm: \(m) rows are not items of \(rowsPerItem)")
        precondition(bias == nil || beta == 0, "rowBlockedGemm: a bias needs beta 0, got \(beta)")
        // The bias rows first, then accumulated into (its definition).
        if let bias { copyRows(rows: m, length: n, source: bias, sourceStride: 0, destination: c, destinationStride: ldc, accumulate: false) }
        // Each row of the naive product depends on its own row of A only: batch-invariant as it is.
        gemm(transA: false, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
             beta: bias == nil ? beta : 1, c: c, ldc: ldc)
    }

    public func conv2dForward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.conv2dForward(g, input: input, weight: weight, bias: bias, output: output)
    }

    public func conv2dBackward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                               gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?) {
        ReferenceKernels.conv2dBackward(g, input: input, weight: weight, gradOutput: gradOutput, gradInput: gradInput,
                                        gradWeight: gradWeight, gradBias: gradBias)
    }

    public func groupNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                 output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int,
                                 groups: Int, eps: Float) {
        ReferenceKernels.groupNormForward(input: input, gamma: gamma, beta: beta, output: output, mean: mean, rstd: rstd,
                                          batch: batch, channels: channels, spatial: spatial, groups: groups, eps: eps)
    }

    public func groupNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                                  rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                                  gradBeta: UnsafeMutablePointer<Float>?, batch: Int, channels: Int, spatial: Int, groups: Int) {
        ReferenceKernels.groupNormBackward(input: input, gamma: gamma, mean: mean, rstd: rstd, gradOutput: gradOutput,
                                           gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta,
                                           batch: batch, channels: channels, spatial: spatial, groups: groups)
    }

    public func layerNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                 output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float) {
        ReferenceKernels.layerNormForward(input: input, gamma: gamma, beta: beta, output: output, mean: mean, rstd: rstd,
                                          rows: rows, dim: dim, eps: eps)
    }

    public func layerNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                                  rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                                  gradBeta: UnsafeMutablePointer<Float>?, rows: Int, dim: Int) {
        ReferenceKernels.layerNormBackward(input: input, gamma: gamma, mean: mean, rstd: rstd, gradOutput: gradOutput,
                                           gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta, rows: rows, dim: dim)
    }

    public func softmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        ReferenceKernels.softmaxForward(input: input, output: output, rows: rows, cols: cols)
    }

    public func softmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        ReferenceKernels.softmaxBackward(output: output, gradOutput: gradOutput, gradInput: gradInput, rows: rows, cols: cols)
    }

    public func logSoftmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        ReferenceKernels.logSoftmaxForward(input: input, output: output, rows: rows, cols: cols)
    }

    public func logSoftmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                   gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        ReferenceKernels.logSoftmaxBackward(output: output, gradOutput: gradOutput, gradInput: gradInput, rows: rows, cols: cols)
    }

    public func attentionForward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 output: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                 batchHeads: Int, queryLength: Int, keyLength: Int, headDim: Int, scale: Float,
                                 mask: AttentionMask, layout: AttentionLayout) {
        ReferenceKernels.attentionForward(q: q, k: k, v: v, output: output, probs: probs, batchHeads: batchHeads,
                                          queryLength: queryLength, keyLength: keyLength, headDim: headDim, scale: scale,
                                          mask: mask, layout: layout)
    }

    public func attentionBackward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                  probs: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradQ: UnsafeMutablePointer<Float>?, gradK: UnsafeMutablePointer<Float>?,
                                  gradV: UnsafeMutablePointer<Float>?, batchHeads: Int, queryLength: Int,
                                  keyLength: Int, headDim: Int, scale: Float, layout: AttentionLayout,
                                  overwriting: AttentionGradients) {
        ReferenceKernels.attentionBackward(q: q, k: k, v: v, probs: probs, gradOutput: gradOutput, gradQ: gradQ, gradK: gradK,
                                           gradV: gradV, batchHeads: batchHeads, queryLength: queryLength,
                                           keyLength: keyLength, headDim: headDim, scale: scale, layout: layout,
                                           overwriting: overwriting)
    }

    public func upsampleNearest2xForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                         batch: Int, channels: Int, height: Int, width: Int) {
        ReferenceKernels.upsampleNearest2xForward(input: input, output: output, batch: batch, channels: channels, height: height, width: width)
    }

    public func upsampleNearest2xBackward(gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                                          batch: Int, channels: Int, height: Int, width: Int) {
        ReferenceKernels.upsampleNearest2xBackward(gradOutput: gradOutput, gradInput: gradInput, batch: batch, channels: channels,
                                                   height: height, width: width)
    }
}
