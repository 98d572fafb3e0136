import Foundation

/// Naive reference kernels with the signatures of `Backend`: plain loops, Double accumulation, one thread.
///
/// DESIGN §2: every optimised kernel keeps its naive reference beside it, and the tests compare the
/// two. These are written to be obviously right, not fast; the same conventions hold (forward
/// overwrites, backward accumulates, nil gradient = not needed). Normalisation, softmax, attention
/// and upsampling references are in `ReferenceKernels+*.swift`.
public enum ReferenceKernels {
    /// `C = alpha·op(A)·op(B) + beta·C` by the definition (C is not read when `beta == 0`).
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // op(A): (m, k)  op(B): (k, n)  C: (m, n) with row strides lda, ldb, ldc
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aValue = transA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(aValue) * Double(bValue)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])  // BLAS: beta 0 ignores C (even NaN)
                c[i * ldc + j] = Float(Double(alpha) * sum + old)
            }
        }
    }

    /// `gemm` on each of `batch` matrices at the given element strides.
    public static func batchedGemm(batch: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                   a: UnsafePointer<Float>, lda: Int, strideA: Int, b: UnsafePointer<Float>, ldb: Int,
                                   strideB: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int) {
        for index in 0..<batch {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: a + index * strideA, lda: lda, b: b + index * strideB, ldb: ldb,
                 beta: beta, c: c + index * strideC, ldc: ldc)
        }
    }

    /// Direct convolution by its definition (PyTorch `Conv2d`, zero padding, groups 1).
    public static func conv2dForward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        // x: (B, Cin, H, W)  w: (Cout, Cin, KH, KW)  y: (B, Cout, OH, OW)
        for b in 0..<g.batch {
            for o in 0..<g.outChannels {
                for y in 0..<oh {
                    for x in 0..<ow {
                        var sum = Double(bias?[o] ?? 0)
                        for c in 0..<g.inChannels {
                            for kh in 0..<g.kernelHeight {
                                for kw in 0..<g.kernelWidth {
                                    let ih = y * g.strideH - g.padH + kh
                                    let iw = x * g.strideW - g.padW + kw
                                    guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                                    let xValue = input[((b * g.inChannels + c) * g.height + ih) * g.width + iw]
                                    let wValue = weight[((o * g.inChannels + c) * g.kernelHeight + kh) * g.kernelWidth + kw]
                                    sum += Double(xValue) * Double(wValue)
                                }
                            }
                        }
                        output[((b * g.outChannels + o) * oh + y) * ow + x] = Float(sum)
                    }
                }
            }
        }
    }

    /// Convolution gradients by the chain rule on the definition, accumulated.
    public static func conv2dBackward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                                      gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        var dx = [Double](repeating: 0, count: g.inputCount)
        var dw = [Double](repeating: 0, count: g.weightCount)
        var db = [Double](repeating: 0, count: g.outChannels)
        // x: (B, Cin, H, W)  w: (Cout, Cin, KH, KW)  dy: (B, Cout, OH, OW)
        for b in 0..<g.batch {
            for o in 0..<g.outChannels {
                for y in 0..<oh {
                    for x in 0..<ow {
                        let dyValue = Double(gradOutput[((b * g.outChannels + o) * oh + y) * ow + x])
                        db[o] += dyValue
                        for c in 0..<g.inChannels {
                            for kh in 0..<g.kernelHeight {
                                for kw in 0..<g.kernelWidth {
                                    let ih = y * g.strideH - g.padH + kh
                                    let iw = x * g.strideW - g.padW + kw
                                    guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                                    let xIndex = ((b * g.inChannels + c) * g.height + ih) * g.width + iw
                                    let wIndex = ((o * g.inChannels + c) * g.kernelHeight + kh) * g.kernelWidth + kw
                                    dx[xIndex] += dyValue * Double(weight[wIndex])
                                    dw[wIndex] += dyValue * Double(input[xIndex])
                                }
                            }
                        }
                    }
                }
            }
        }
        if let gradInput { for i in 0..<dx.count { gradInput[i] += Float(dx[i]) } }
        if let gradWeight { for i in 0..<dw.count { gradWeight[i] += Float(dw[i]) } }
        if let gradBias { for i in 0..<db.count { gradBias[i] += Float(db[i]) } }
    }

    /// Nearest 2× upsampling by its definition: y[2i + di][2j + dj] = x[i][j].
    public static func upsampleNearest2xForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                                batch: Int, channels: Int, height: Int, width: Int) {
        // x: (N·C, H, W)  y: (N·C, 2H, 2W)
        for plane in 0..<(batch * channels) {
            for i in 0..<(2 * height) {
                for j in 0..<(2 * width) {
                    output[(plane * 2 * height + i) * 2 * width + j] = input[(plane * height + i / 2) * width + j / 2]
                }
            }
        }
    }

    /// Nearest 2× upsampling gradient: each input pixel accumulates its 4 children.
    public static func upsampleNearest2xBackward(gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                                                 batch: Int, channels: Int, height: Int, width: Int) {
        // dy: (N·C, 2H, 2W)  dx: (N·C, H, W)
        for plane in 0..<(batch * channels) {
            for i in 0..<(2 * height) {
                for j in 0..<(2 * width) {
                    gradInput[(plane * height + i / 2) * width + j / 2] += gradOutput[(plane * 2 * height + i) * 2 * width + j]
                }
            }
        }
    }
}
