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

/// gx[i] += g[i]·f′(x[i]) for i < count, f one of T2I_VECTOR_SILU, _GELU, _QUICK_GELU. Returns 0,
/// or -1 for any other function (nothing written). Call only where `t2i_vector_has_avx2()` is 1.
int t2i_avx2_accumulate(int function, const float *x, const float *g, float *gx, size_t count);

/// 1 when this CPU (and its operating system) runs AVX-512F code, else 0.
int t2i_vector_has_avx512(void);

/// `t2i_avx2_map` in 512-bit vectors, with the same bits. Call only where `t2i_vector_has_avx512()` is 1.
int t2i_avx512_map(int function, const float *x, float *y, size_t count, float shift);

/// `t2i_avx2_accumulate` in 512-bit vectors, with the same bits. Call only where
/// `t2i_vector_has_avx512()` is 1.
int t2i_avx512_accumulate(int function, const float *x, const float *g, float *gx, size_t count);

#endif
