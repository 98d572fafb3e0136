/// The compute kernels under `Tensor`'s ops, at raw-pointer level (DESIGN §1: a CUDA backend later
/// conforms to this and changes nothing above `TensorCore`).
///
/// Conventions for every entry point:
/// - Pointers are row-major Float32 and must not alias unless stated; images are NCHW.
/// - Forward kernels overwrite their outputs.
/// - Backward kernels **accumulate** (`+=`) into their gradient outputs, as llm.c's
///   `layernorm_backward`; a nil gradient pointer means that gradient is not needed.
/// - Results do not depend on the number of threads.
public protocol Backend: Sendable {
    /// What `T2I_BACKEND` calls this backend ("cpu", "reference").
    var name: String { get }

    /// `C = alpha·op(A)·op(B) + beta·C`, where `op(A)` is m×k and `op(B)` is k×n (op transposes when its flag is set).
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored. With `beta == 0`, C is not read.
    func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)

    /// `gemm` over `batch` independent matrices whose starts are `strideA`, `strideB`, `strideC` elements apart.
    func batchedGemm(batch: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, strideA: Int, b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int)

    /// 2-D convolution: x (B, Cin, H, W) ⊛ w (Cout, Cin, KH, KW) + bias (Cout) → y (B, Cout, OH, OW), overwritten.
    func conv2dForward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>)

    /// Gradients of `conv2dForward`, accumulated into `gradInput` (B, Cin, H, W), `gradWeight` (Cout, Cin, KH, KW), `gradBias` (Cout).
    func conv2dBackward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                        gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?)

    /// Group normalisation of x (N, C, S) over `groups` groups of C/G channels; writes y and the (N, G) mean and 1/std.
    ///
    /// `y = (x − mean)·rstd·gamma[c] + beta[c]` with the biased variance, as PyTorch's `GroupNorm`.
    func groupNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                          rstd: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int,
                          groups: Int, eps: Float)

    /// Gradients of `groupNormForward` from its saved mean and rstd, accumulated.
    func groupNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                           rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                           gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                           gradBeta: UnsafeMutablePointer<Float>?, batch: Int, channels: Int, spatial: Int, groups: Int)

    /// Layer normalisation of each row of x (rows, dim); writes y and the per-row mean and 1/std.
    func layerNormForward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                          rstd: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float)

    /// Gradients of `layerNormForward` from its saved mean and rstd, accumulated.
    func layerNormBackward(input: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
                           rstd: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                           gradInput: UnsafeMutablePointer<Float>?, gradGamma: UnsafeMutablePointer<Float>?,
                           gradBeta: UnsafeMutablePointer<Float>?, rows: Int, dim: Int)

    /// Softmax over the last axis of x (rows, cols); a row of all `-infinity` gives all zeros.
    func softmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// Gradient of `softmaxForward` from its output y: `dx += y ⊙ (dy − Σ dy·y)`.
    func softmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                         gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// Log-softmax over the last axis of x (rows, cols); a row of all `-infinity` stays `-infinity`.
    func logSoftmaxForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// Gradient of `logSoftmaxForward` from its output y: `dx += dy − exp(y)·Σ dy`.
    func logSoftmaxBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                            gradInput: UnsafeMutablePointer<Float>, rows: Int, cols: Int)

    /// Scaled dot-product attention per head: `out = softmax(scale·q·kᵀ + mask)·v`; also writes `probs` for the backward
    /// (every element: the caller does not initialise it, and masked keys get 0).
    ///
    /// q (BH, Lq, D), k and v (BH, Lk, D), out (BH, Lq, D) — or, with `.interleaved(heads: H)`, q and out
    /// (B, Lq, H·D), k and v (B, Lk, H·D); probs (BH, Lq, Lk).
    func attentionForward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                          output: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                          batchHeads: Int, queryLength: Int, keyLength: Int, headDim: Int, scale: Float,
                          mask: AttentionMask, layout: AttentionLayout)

    /// Gradients of `attentionForward` from its saved `probs`, accumulated into `gradQ`, `gradK`, `gradV`
    /// (each in the layout of its tensor, as `gradOutput` is in the output's) — except those named in
    /// `overwriting`, which are set (every element written; the buffers must then be distinct).
    func attentionBackward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                           probs: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                           gradQ: UnsafeMutablePointer<Float>?, gradK: UnsafeMutablePointer<Float>?,
                           gradV: UnsafeMutablePointer<Float>?, batchHeads: Int, queryLength: Int,
                           keyLength: Int, headDim: Int, scale: Float, layout: AttentionLayout,
                           overwriting: AttentionGradients)

    /// Nearest-neighbour 2× upsampling: x (N, C, H, W) → y (N, C, 2H, 2W), overwritten.
    func upsampleNearest2xForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                  batch: Int, channels: Int, height: Int, width: Int)

    /// Gradient of `upsampleNearest2xForward`: each input pixel accumulates the sum of its 4 children.
    func upsampleNearest2xBackward(gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                                   batch: Int, channels: Int, height: Int, width: Int)

    /// `sums[j] += Σ_i x[i, j]` over the rows of x (rows, cols), each column summed in row order
    /// (a bias gradient).
    func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>)

    /// A linear layer's parameter gradients from dY (rows, out) and its input X (rows, in): dW (out,
    /// in) = dYᵀ·X (`accumulateWeight`: +=) and db (out) += Σ_rows dY, either one optional. A
    /// backend may sum db where it reads dY for dW anyway (the extension's version is `gemm` then
    /// `addColumnSums`); db's bits may differ between backends, within rounding.
    func linearParameterGradients(gradOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                  inFeatures: Int, outFeatures: Int, gradWeight: UnsafeMutablePointer<Float>?,
                                  accumulateWeight: Bool, gradBias: UnsafeMutablePointer<Float>?)

    /// `y = x` read through element strides over `shape` (a permutation, or 0 on stretched axes);
    /// y contiguous.
    func stridedCopy(shape: [Int], input: UnsafePointer<Float>, strides: [Int], output: UnsafeMutablePointer<Float>)

    /// The adjoint of `stridedCopy`: `gradInput[strided i] += gradOutput[i]`, a stretched element
    /// summing its terms in output order.
    func stridedAdd(shape: [Int], gradOutput: UnsafePointer<Float>, strides: [Int], gradInput: UnsafeMutablePointer<Float>)

    /// `output[i] = input[rows[i]]` for rows of `rowLength` floats (a lookup into a cached table).
    func gatherRows(_ input: UnsafePointer<Float>, rowLength: Int, rows: [Int], output: UnsafeMutablePointer<Float>)

    // MARK: Elementwise (UnaryOp and BinaryOp below)

    /// y[i] = op(x[i]) for i in 0..<count.
    func unaryForward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int)

    /// gradInput[i] += gradOutput[i] · op′(x[i]), from the input x and the forward's output y; or,
    /// `overwriting`, gradInput[i] = gradOutput[i] · op′(x[i]) without reading gradInput (a first
    /// writer of a gradient skips its zero fill, `TapeNode.gradTarget()`).
    func unaryBackward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                       gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>, count: Int, overwriting: Bool)

    /// Exact GELU keeping what its backward needs: `onePlusErf[i] = 1 + erf(x[i]/√2)` and
    /// `output[i] = 0.5·x[i]·onePlusErf[i]`, with `unaryForward(.gelu, …)`'s output bits.
    func geluForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, onePlusErf: UnsafeMutablePointer<Float>,
                     count: Int)

    /// GELU's input gradient from `geluForward`'s saved `onePlusErf`: gradInput[i] (+)=
    /// gradOutput[i]·(0.5·u[i] + x[i]·φ(x[i])) (`overwriting` as in `unaryBackward`), with
    /// `unaryBackward(.gelu, …)`'s bits and without evaluating erf again.
    func geluBackward(input: UnsafePointer<Float>, onePlusErf: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                      gradInput: UnsafeMutablePointer<Float>, count: Int, overwriting: Bool)

    /// A gated unit's activation: `y[i] = hidden[i]·op(gate[i])` (GEGLU with `.gelu`), for i in 0..<count.
    func gatedForward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                      output: UnsafeMutablePointer<Float>, count: Int)

    /// Its gradients: `gradHidden[i] += g[i]·op(gate[i])`, `gradGate[i] += g[i]·hidden[i]·op′(gate[i])`
    /// (a nil one is skipped), each set instead when `overwriteHidden` / `overwriteGate` (every element written).
    func gatedBackward(_ op: UnaryOp, hidden: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                       gradOutput: UnsafePointer<Float>, gradHidden: UnsafeMutablePointer<Float>?,
                       gradGate: UnsafeMutablePointer<Float>?, count: Int, overwriteHidden: Bool, overwriteGate: Bool)

    /// z = op(a, b) over `shape`, reading a and b through element strides (0 on a stretched axis;
    /// contiguous row-major strides when nothing is stretched).
    func binaryForward(_ op: BinaryOp, shape: [Int], a: UnsafePointer<Float>, aStrides: [Int],
                       b: UnsafePointer<Float>, bStrides: [Int], output: UnsafeMutablePointer<Float>)

    /// The gradients of `binaryForward`, accumulated; a stretched input sums over its stretched axes.
    func binaryBackward(_ op: BinaryOp, shape: [Int], a: UnsafePointer<Float>, aStrides: [Int],
                        b: UnsafePointer<Float>, bStrides: [Int], gradOutput: UnsafePointer<Float>,
                        gradA: UnsafeMutablePointer<Float>?, gradB: UnsafeMutablePointer<Float>?)

    // MARK: Updates of flat parameter buffers (the optimizer's, in place)

    /// One AdamW step over `count` parameters (PyTorch's `_single_tensor_adamw`), per element:
    /// p ·= decay; m += (g − m)(1 − β₁); v = v·β₂ + (1 − β₂)g²; p −= stepSize · m / (√v / bc2 + ε).
    func adamWUpdate(_ step: AdamWStep, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                     firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>, count: Int)

    /// Σ x[i]² in Double, summed in a fixed blocked order (the same for any thread count).
    func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double

    /// y[i] += x[i] (summing gradients).
    func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)

    /// x[i] ·= factor.
    func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float)

    /// The EMA step shadow[i] −= (1 − decay)(shadow[i] − p[i]).
    func movingAverageUpdate(shadow: UnsafeMutablePointer<Float>, parameters: UnsafePointer<Float>, count: Int, decay: Float)

    // MARK: Memory (every tensor's storage and flat buffer comes from its backend)

    /// A 64-byte aligned buffer of `count` (≥ 1) floats in this backend's memory; its contents are undefined.
    func allocate(count: Int) -> UnsafeMutablePointer<Float>

    /// Gives back a buffer that `allocate(count:)` made.
    func deallocate(_ buffer: UnsafeMutablePointer<Float>, count: Int)

    /// Whether the host may read and write this backend's buffers in place. When false, `Tensor`'s
    /// host accessors (the transfer points) copy through `download` and `upload` instead.
    var sharesHostMemory: Bool { get }

    /// buffer[i] = value.
    func fill(_ buffer: UnsafeMutablePointer<Float>, count: Int, with value: Float)

    /// destination[i] = source[i], both in this backend's memory (they may not overlap).
    func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int)

    /// Host memory into a buffer of this backend.
    func upload(_ host: UnsafePointer<Float>, to buffer: UnsafeMutablePointer<Float>, count: Int)

    /// A buffer of this backend into host memory.
    func download(_ buffer: UnsafePointer<Float>, to host: UnsafeMutablePointer<Float>, count: Int)

    /// `rows` blocks of `length` floats: destination row r (at `r·destinationStride`) is set to,
    /// or with `accumulate` has added to it, source row r (at `r·sourceStride`). Concatenation, split
    /// and slicing, and their gradients.
    func copyRows(rows: Int, length: Int, source: UnsafePointer<Float>, sourceStride: Int,
                  destination: UnsafeMutablePointer<Float>, destinationStride: Int, accumulate: Bool)

    /// `gradInput[rows[i]] += gradOutput[i]` for rows of `rowLength` floats, in `rows` order (the
    /// gradient of `gatherRows`: an embedding's backward, where a repeated row sums its terms).
    func scatterAddRows(_ gradOutput: UnsafePointer<Float>, rowLength: Int, rows: [Int], into gradInput: UnsafeMutablePointer<Float>)

    /// `C = alpha·A·op(B) + beta·C` with each item's `rowsPerItem` rows of A multiplied on their own
    /// (a row's result does not depend on how many items there are: DESIGN §2's batch invariance).
    /// With a `bias` (n values; beta must be 0), `C = alpha·A·op(B) + bias` in every row: the same
    /// as C filled with the bias rows and beta 1 (a linear layer's forward).
    func rowBlockedGemm(transB: Bool, m: Int, n: Int, k: Int, rowsPerItem: Int, alpha: Float,
                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?)

    // MARK: Reductions and selection

    /// x (outer, n, inner) → y (outer, inner): `y[o, i] = Σ_j x[o, j, i]`, summed in j order from 0.
    func sumAxis(_ x: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int, output: UnsafeMutablePointer<Float>)

    /// The gradient of `sumAxis`: `gradInput[o, j, i] += gradOutput[o, i]`.
    func sumAxisBackward(_ gradOutput: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int,
                         gradInput: UnsafeMutablePointer<Float>)

    /// x (outer, n ≥ 1, inner) → y (outer, inner), the largest over j; `argmax` receives the first j
    /// holding it (as a Float, exact below 2²⁴) for the backward.
    func maxAxis(_ x: UnsafePointer<Float>, outer: Int, length n: Int, inner: Int, output: UnsafeMutablePointer<Float>,
                 argmax: UnsafeMutablePointer<Float>)

    /// The gradient of `maxAxis`: `gradInput[o, argmax[o, i], i] += gradOutput[o, i]`.
    func maxAxisBackward(_ gradOutput: UnsafePointer<Float>, argmax: UnsafePointer<Float>, outer: Int, length n: Int,
                         inner: Int, gradInput: UnsafeMutablePointer<Float>)

    /// How many of x[0..<count] are NaN or ±∞.
    func countNonFinite(_ x: UnsafePointer<Float>, count: Int) -> Int

    /// `z[i] = condition[i] != 0 ? a[i] : b[i]`.
    func select(condition: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                output: UnsafeMutablePointer<Float>, count: Int)

    /// The gradient of `select`: `gradOutput[i]` accumulates into gradA where the condition holds, else into gradB.
    func selectBackward(condition: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                        gradA: UnsafeMutablePointer<Float>?, gradB: UnsafeMutablePointer<Float>?, count: Int)

    // MARK: Random fills (counter-based Philox, DESIGN §2: the same numbers on every backend)

    /// N(mean, std²) draws in order from `generator` (`Philox.fillNormal`).
    func fillNormal(_ buffer: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float, generator: inout Philox)

    /// U[0, 1) draws in order from `generator` (`Philox.fillUniform`).
    func fillUniform(_ buffer: UnsafeMutablePointer<Float>, count: Int, generator: inout Philox)
}

extension Backend {
    /// `gemm` for dW, then `addColumnSums` for db.
    public func linearParameterGradients(gradOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                         inFeatures: Int, outFeatures: Int, gradWeight: UnsafeMutablePointer<Float>?,
                                         accumulateWeight: Bool, gradBias: UnsafeMutablePointer<Float>?) {
        if let gradWeight {  // dW (+)= dYᵀ · X
            gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, alpha: 1, a: gradOutput, lda: outFeatures,
                 b: input, ldb: inFeatures, beta: accumulateWeight ? 1 : 0, c: gradWeight, ldc: inFeatures)
        }
        if let gradBias { addColumnSums(gradOutput, rows: rows, cols: outFeatures, into: gradBias) }
    }

    /// gradInput[i] += gradOutput[i] · op′(x[i]) (`unaryBackward(…, overwriting: false)`).
    public func unaryBackward(_ op: UnaryOp, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                              gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>, count: Int) {
        unaryBackward(op, input: input, output: output, gradOutput: gradOutput, gradInput: gradInput, count: count,
                      overwriting: false)
    }
}

/// The scalars of one AdamW step, bias corrections included (computed by the optimizer in Double,
/// as PyTorch does in Python floats).
public struct AdamWStep: Sendable, Equatable {
    /// lr / (1 − β₁ᵗ).
    public var stepSize: Float
    /// 1 − lr · weight decay.
    public var decay: Float
    public var beta1: Float
    public var beta2: Float
    /// √(1 − β₂ᵗ).
    public var biasCorrection2Sqrt: Float
    public var eps: Float

    public init(stepSize: Float, decay: Float, beta1: Float, beta2: Float, biasCorrection2Sqrt: Float, eps: Float) {
        (self.stepSize, self.decay, self.beta1, self.beta2, self.biasCorrection2Sqrt, self.eps)
            = (stepSize, decay, beta1, beta2, biasCorrection2Sqrt, eps)
    }
}

/// An elementwise function of one tensor, `y = f(x)`, as the backends compute it.
///
/// The scalar forms keep their own cases (`x / s` is not `x · (1/s)` in floating point) so every
/// backend rounds as the expression in the comment does.
public enum UnaryOp: Sendable, Equatable {
    /// −x
    case negate
    /// x + s
    case add(Float)
    /// s − x
    case subtractFrom(Float)
    /// x · s
    case multiply(Float)
    /// x / s
    case divide(Float)
    /// x²
    case square
    /// xᵖ (`pow`)
    case pow(Float)
    /// eˣ
    case exp
    /// ln x
    case log
    /// √x
    case sqrt
    /// 1/√x
    case rsqrt
    /// 1/(1+e⁻ˣ)
    case sigmoid
    /// tanh x
    case tanh
    /// x·σ(x)
    case silu
    /// 0.5·x·(1 + erf(x/√2)), PyTorch `gelu(approximate='none')`
    case gelu
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715x³))), PyTorch `gelu(approximate='tanh')`
    case geluTanh
    /// x·σ(1.702x), transformers `quick_gelu`
    case quickGelu
    /// min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi
    case clamp(Float, Float)
    /// |x|; the gradient is the sign of x (0 at 0, as PyTorch)
    case abs
    /// x ≥ t ? v : 0 for `.threshold(t, v)` (a dropout mask from uniform draws); no gradient
    case threshold(Float, Float)
    /// sin x
    case sin
    /// cos x
    case cos
}

/// An elementwise function of two tensors, `z = f(a, b)`.
public enum BinaryOp: Sendable, Equatable {
    case add, subtract, multiply, divide
}
