#ifndef T2I_CVECTORMATH_H
#define T2I_CVECTORMATH_H
// The CPU backend's transcendental loops (exp, sigmoid, SiLU, GELU, QuickGELU and the derivatives
// of the activations) in 256-bit AVX2 and 512-bit AVX-512, for CPUs that have them; TensorCore's
// `VectorMath` holds the same polynomials in Swift SIMD8, which the package compiles for baseline
// x86-64 (SSE2).
//
// Bit for bit the same results as `VectorMath`: the same constants (each rounded from the decimal
// through x87 long double to float, as Swift rounds a Float literal), the same lane-wise
// operations in the same order, multiplies and adds rounded separately (FP_CONTRACT is off, so
// the compiler cannot fuse them), and a loop's tail padded with zeros into one more vector. So
// which path runs changes speed only, never a result: `VectorISATests` checks every path agrees
// with Swift bit for bit over the whole Float range that matters.
#include <stddef.h>

/// The functions `t2i_avx2_map` evaluates, and whose derivatives `t2i_avx2_accumulate` applies.
enum {
    T2I_VECTOR_EXP = 0,          ///< eˣ
    T2I_VECTOR_EXP_SHIFTED = 1,  ///< e^(x − shift) (softmax rows)
    T2I_VECTOR_SIGMOID = 2,      ///< 1/(1 + e⁻ˣ)
    T2I_VECTOR_SILU = 3,         ///< x·σ(x)
    T2I_VECTOR_GELU = 4,         ///< 0.5·x·(1 + erf(x/√2))
    T2I_VECTOR_QUICK_GELU = 5,   ///< x·σ(1.702·x)
};

/// 1 when this CPU (and its operating system) runs AVX2 code, else 0.
int t2i_vector_has_avx2(void);

/// y[i] = f(x[i]) for i < count, f one of the T2I_VECTOR_ functions (`shift` is used by
/// T2I_VECTOR_EXP_SHIFTED only). `x` may equal `y`. Returns 0, or -1 for an unknown function
/// (nothing written). Call only where `t2i_vector_has_avx2()` is 1.
int t2i_avx2_map(int function, const float *x, float *y, size_t count, float shift);

/// gx[i] += g[i]·f′(x[i]) for i < count, f one of T2I_VECTOR_SILU, _GELU, _QUICK_GELU; with
/// `accumulate` 0, gx[i] = g[i]·f′(x[i]) (gx not read: a first writer skips zeroing it). Returns 0,
/// or -1 for any other function (nothing written). Call only where `t2i_vector_has_avx2()` is 1.
int t2i_avx2_accumulate(int function, const float *x, const float *g, float *gx, size_t count, int accumulate);

/// 1 when this CPU (and its operating system) runs AVX-512F code, else 0.
int t2i_vector_has_avx512(void);

/// `t2i_avx2_map` in 512-bit vectors, with the same bits. Call only where `t2i_vector_has_avx512()` is 1.
int t2i_avx512_map(int function, const float *x, float *y, size_t count, float shift);

/// `t2i_avx2_accumulate` in 512-bit vectors, with the same bits. Call only where
/// `t2i_vector_has_avx512()` is 1.
int t2i_avx512_accumulate(int function, const float *x, const float *g, float *gx, size_t count, int accumulate);

/// y[i] = h[i]·f(x[i]) for i < count, f one of T2I_VECTOR_SILU, _GELU, _QUICK_GELU (a gated linear
/// unit: GEGLU with GELU); the bits of f's map followed by the multiply. Returns 0, or -1 for any
/// other function (nothing written). Call only where `t2i_vector_has_avx2()` is 1.
int t2i_avx2_gated(int function, const float *h, const float *x, float *y, size_t count);

/// Its gradients: dh[i] = g[i]·f(x[i]) and dx[i] = (g[i]·h[i])·f′(x[i]), each added to the buffer
/// (`accumulate_h`, `accumulate_x` 1) or written over it (0); a NULL gradient is skipped. The bits of
/// the multiply's backward followed by the activation's. Call only where `t2i_vector_has_avx2()` is 1.
int t2i_avx2_gated_backward(int function, const float *h, const float *x, const float *g, float *dh, float *dx,
                            size_t count, int accumulate_h, int accumulate_x);

/// `t2i_avx2_gated` in 512-bit vectors, with the same bits. Call only where `t2i_vector_has_avx512()` is 1.
int t2i_avx512_gated(int function, const float *h, const float *x, float *y, size_t count);

/// `t2i_avx2_gated_backward` in 512-bit vectors, with the same bits. Call only where
/// `t2i_vector_has_avx512()` is 1.
int t2i_avx512_gated_backward(int function, const float *h, const float *x, const float *g, float *dh, float *dx,
                              size_t count, int accumulate_h, int accumulate_x);

/// GELU keeping what its backward needs: u[i] = 1 + erf(x[i]/√2) and y[i] = (0.5·x[i])·u[i], the bits
/// of T2I_VECTOR_GELU's map. Call only where `t2i_vector_has_avx2()` is 1.
int t2i_avx2_gelu_saving(const float *x, float *y, float *u, size_t count);

/// GELU's gradient from the saved u: gx[i] (+)= g[i]·(0.5·u[i] + x[i]·φ(x[i])), the bits of
/// T2I_VECTOR_GELU's accumulate (`accumulate` as there). Call only where `t2i_vector_has_avx2()` is 1.
int t2i_avx2_gelu_backward_saved(const float *x, const float *u, const float *g, float *gx, size_t count, int accumulate);

/// `t2i_avx2_gelu_saving` in 512-bit vectors, with the same bits. Call only where `t2i_vector_has_avx512()` is 1.
int t2i_avx512_gelu_saving(const float *x, float *y, float *u, size_t count);

/// `t2i_avx2_gelu_backward_saved` in 512-bit vectors, with the same bits. Call only where
/// `t2i_vector_has_avx512()` is 1.
int t2i_avx512_gelu_backward_saved(const float *x, const float *u, const float *g, float *gx, size_t count, int accumulate);

// ---- The packed GEMM of the convolution and linear forwards (PackedGEMM.c).
//
// C (m × n, row stride ldc) = A (m × k) · B (k × n, row stride ldb), C overwritten (or, with
// `accumulate` 1, C += A·B: the chain's value added to C, one rounding; or, with `accumulate` 0
// and a `bias` of n floats, C = bias + A·B in every row, one rounding: the bits of C filled with
// the bias rows and accumulated into, without that pass over C). A is packed
// once (`t2i_gemm_pack_a`) and used for many B. Each C[i][j] is the chain
// fma(A[i][k−1], B[k−1][j], … fma(A[i][1], B[1][j], fma(A[i][0], B[0][j], 0))), one rounding per
// step, in every path: so the paths agree bit for bit, and a column of C depends on nothing but
// its column of B and A (not on n, nor on where the column stands).

/// 1 when this CPU runs FMA3 code (the AVX2 path needs it), else 0.
int t2i_vector_has_fma(void);

/// Floats `t2i_gemm_pack_a` writes for an m × k matrix: panels of 16 rows.
size_t t2i_gemm_packed_count(int m, int k);

/// Packs A (m × k; `transposed` 0: A[i][p] = a[i·lda + p], 1: A[i][p] = a[p·lda + i]) into
/// `packed` (t2i_gemm_packed_count(m, k) floats): packed[(panel·k + p)·16 + r] = A[panel·16 + r][p],
/// rows past m zero.
void t2i_gemm_pack_a(const float *a, ptrdiff_t lda, int transposed, int m, int k, float *packed);

/// sums[i] += Σ_p A[i][p] for the m rows of a packed A (`t2i_gemm_pack_a`), each row summed from 0
/// in p order, then added: the bits of that plain loop over A (a linear layer's bias gradient from
/// the dYᵀ its weight gradient packs anyway).
void t2i_gemm_packed_row_sums(const float *packed, int m, int k, float *sums);

/// out[j·ldo + i] = x[i·ldx + j] for i < rows, j < columns: a copy, in 16 × 16 blocks (in AVX-512
/// registers where the CPU has it).
void t2i_transpose(const float *x, ptrdiff_t ldx, int rows, int columns, float *out, ptrdiff_t ldo);

/// C = A·B with A packed by `t2i_gemm_pack_a`, in plain C (`fmaf`), for any CPU.
void t2i_gemm_packed_scalar(const float *packed, int m, int k, const float *b, ptrdiff_t ldb, int n,
                            float *c, ptrdiff_t ldc, int accumulate, const float *bias);

/// The same in AVX2 + FMA3. Call only where `t2i_vector_has_avx2()` and `t2i_vector_has_fma()` are 1.
void t2i_gemm_packed_avx2(const float *packed, int m, int k, const float *b, ptrdiff_t ldb, int n,
                          float *c, ptrdiff_t ldc, int accumulate, const float *bias);

/// The same in AVX-512. Call only where `t2i_vector_has_avx512()` is 1.
void t2i_gemm_packed_avx512(const float *packed, int m, int k, const float *b, ptrdiff_t ldb, int n,
                            float *c, ptrdiff_t ldc, int accumulate, const float *bias);

/// `t2i_gemm_packed_avx512` of A (m × k, row stride lda) without packing it: A read in place, the
/// same tiles and chains, so the bits of `t2i_gemm_pack_a` + `t2i_gemm_packed_avx512` (a median
/// 13 % faster than both, −1 to 22 %, on eight linear-layer shapes). Call only where `t2i_vector_has_avx512()` is 1.
void t2i_gemm_rows_avx512(const float *a, ptrdiff_t lda, int m, int k, const float *b, ptrdiff_t ldb, int n,
                          float *c, ptrdiff_t ldc, int accumulate, const float *bias);

/// A stride-1 convolution whose output has the input's size ("same": OH = H, OW = W) through the
/// packed GEMM without im2col: W (cout × cin·kh·kw) packed by `t2i_gemm_pack_a`, x one image
/// (cin, h, w); writes output positions q in [first, first + count) of every channel o to
/// y[o·ldy + q − first]. Each output is the chain `t2i_gemm_packed_*` runs on im2col's matrix, bit
/// for bit, in every path. kh·kw at most `t2i_conv_same_max_taps()`.
void t2i_conv_same_scalar(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                          const float *x, int h, int w, int first, int count, float *y, ptrdiff_t ldy);
/// The same in AVX2 + FMA3 (where `t2i_vector_has_avx2()` and `t2i_vector_has_fma()` are 1).
void t2i_conv_same_avx2(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                        const float *x, int h, int w, int first, int count, float *y, ptrdiff_t ldy);
/// The same in AVX-512 (where `t2i_vector_has_avx512()` is 1).
void t2i_conv_same_avx512(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                          const float *x, int h, int w, int first, int count, float *y, ptrdiff_t ldy);
/// `t2i_conv_same_avx512` on two images x0, x1 of h·w ≤ 16 positions (all of them) at once, into
/// y0 and y1: the same bits as one image at a time.
void t2i_conv_same_pair_avx512(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                               const float *x0, const float *x1, int h, int w, float *y0, float *y1,
                               ptrdiff_t ldy);
/// The weight gradient of a stride-1 "same" 3×3 convolution over `images` images, read from them
/// (no columns): dw (cout, cin, 3, 3) += Σ dy[n][o][q]·x[n][c][q + tap shift], a tap outside the
/// image counting 0; x (images, cin, h, w), dy (images, cout, h, w). Each term summed lane-wise over
/// images and positions in order, then across lanes, then added: a fixed order. Returns 0 (nothing
/// done) for other kernel sizes or when out of memory. AVX-512 only.
int t2i_conv_same_weight_grad_avx512(const float *x, const float *dy, int images, int cin, int cout,
                                     int kh, int kw, int padH, int padW, int h, int w, float *dw);
/// One AdamW step over `count` parameters in AVX-512: the CPU backend's `adamWUpdate` loop, operation
/// for operation (none fused), so the same bits. Call only where `t2i_vector_has_avx512()` is 1.
void t2i_adamw_avx512(float *p, const float *g, float *m, float *v, ptrdiff_t count, float beta1, float beta2,
                      float eps, float bc2, float decay, float step_size);
/// The most taps (kh·kw) `t2i_conv_same_*` take.
int t2i_conv_same_max_taps(void);

/// dx (Cin planes of h × w) += col2im(cols) for a stride-1 convolution whose output has the
/// input's size: cols (Cin·KH·KW rows, row stride ld) holds output rows [row_first, row_first +
/// row_count), each row r at (r − row_first)·w; tap (a, b) of output (r, q) adds to dx[c][r − padH +
/// a][q − padW + b] where that is inside. Gathered per input position in registers, the taps added
/// in (a, b) order: the values of the scatter that adds each tap's row in turn. AVX-512 only.
void t2i_col2im_same_avx512(const float *cols, ptrdiff_t ld, int cin, int kh, int kw, int padH, int padW,
                            int h, int w, int row_first, int row_count, float *dx);

// ---- Winograd F(2×2, 3×3) for 3×3, stride-1, padding-1 convolutions (Winograd.c).
//
// The output in 2×2 tiles, each from the 4×4 input patch under it: 16 GEMMs (one per element of
// the transformed tile) of U_ξ (cout × cin, the transformed kernels) by V_ξ (cin × tiles, the
// transformed patches) — 2.25× fewer multiplies than the direct convolution, at a rounding error of
// the same order (the transforms add and subtract up to 9 terms; G halves). Tiles are the columns:
// the tiles of image 0 in row order (⌈h/2⌉ × ⌈w/2⌉), then image 1's, …; an output depends on its
// own image alone, whichever columns a call takes.

/// Floats `t2i_winograd_pack_weights` writes: 16 packed panels of m × k.
size_t t2i_winograd_packed_count(int m, int k);

/// The 16 transformed kernel matrices U_ξ = (G g Gᵀ)_ξ of w (cout, cin, 3, 3), each packed as
/// `t2i_gemm_pack_a` packs an m × k A (panel ξ at ξ·t2i_gemm_packed_count(m, k)): with `transposed`
/// 0, m × k = cout × cin; with 1, the input gradient's convolution — m × k = cin × cout, kernel
/// [c][o] = w[o][c] turned by 180° (dX of a "same" convolution is one of dY with these). Writes the
/// panels (16 rows of A each) first_panel ..< first_panel + panels of every ξ, so that calls on
/// disjoint ranges of the ⌈m/16⌉ panels can run in parallel. AVX-512, as every t2i_winograd_* kernel.
void t2i_winograd_pack_weights(const float *w, int cout, int cin, int transposed, int first_panel, int panels,
                               float *packed);

/// Scratch floats `t2i_winograd_conv_avx512` needs for `count` columns.
size_t t2i_winograd_scratch_count(int cout, int cin, int count);

/// The convolution's outputs of columns (tiles) [first, first + count) of x (images, cin, h, w) with
/// the kernels `packed` (`t2i_winograd_pack_weights`, m × k = cout × cin) into y (images, cout, h, w):
/// overwritten (plus bias[o] where bias is not NULL), or, with `accumulate` 1, added to y. Columns
/// are tiles of 2 × 2 outputs; a tile past the image's edge writes only its outputs inside. The
/// transforms run along tile rows, 16 tiles to a vector (two loads de-interleaved per patch row, two
/// interleaved stores per output row). AVX-512 only.
void t2i_winograd_conv_avx512(const float *packed, int cout, int cin, const float *x, int h, int w,
                              int first, int count, float *y, int accumulate, const float *bias, float *scratch);

/// Scratch floats `t2i_winograd_weight_grad_avx512` needs for `count` columns.
size_t t2i_winograd_weight_grad_scratch_count(int cout, int cin, int count);

/// The weight gradient of the same convolution in the transformed domain: du (16, cout, cin) +=
/// Σ over the columns [first, first + count) of dM_ξ ⊗ V_ξ, dM = A dY Aᵀ of each tile's 2 × 2 output
/// gradients (0 outside the image) and V its transformed input patch; x (images, cin, h, w), dy
/// (images, cout, h, w). The 16 sums are GEMMs over the columns, in column order. AVX-512 only.
void t2i_winograd_weight_grad_avx512(const float *x, const float *dy, int cin, int cout, int h, int w,
                                     int first, int count, float *du, float *scratch);

/// dw (cout, cin, 3, 3) += Gᵀ dU G of du (16, cout, cin): the kernels' gradient from the transformed one,
/// for the kernels first ..< first + count of the cout·cin (each kernel on its own: ranges can run in parallel).
void t2i_winograd_weight_grad_finish(const float *du, int cout, int cin, size_t first, size_t count, float *dw);

#endif
