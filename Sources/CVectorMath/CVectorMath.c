// AVX2 twins of TensorCore's `VectorMath` (see CVectorMath.h): every line below mirrors one of
// VectorMath.swift, operation for operation, so the two agree bit for bit.
#include "CVectorMath.h"

#include <immintrin.h>
#include <string.h>

// Multiplies and adds round separately, as in VectorMath.swift.
#pragma STDC FP_CONTRACT OFF

#define AVX2 __attribute__((target("avx2")))
typedef __m256 V;

// A Float literal as Swift rounds it on x86: decimal → 80-bit long double → float.
#define K(literal) _mm256_set1_ps((float)(literal##L))

int t2i_vector_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

AVX2 static inline V vmul(V a, V b) { return _mm256_mul_ps(a, b); }
AVX2 static inline V vadd(V a, V b) { return _mm256_add_ps(a, b); }
AVX2 static inline V vsub(V a, V b) { return _mm256_sub_ps(a, b); }
AVX2 static inline V vdiv(V a, V b) { return _mm256_div_ps(a, b); }
// Swift's `v.replace(with: b, where: mask)`.
AVX2 static inline V replace(V v, V b, V mask) { return _mm256_blendv_ps(v, b, mask); }

AVX2 static inline V vabs(V x) {
    return _mm256_castsi256_ps(_mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7fffffff)));
}

// VectorMath.exp: Cephes' expf.
AVX2 static inline V vexp(V x) {
    const V hi = K(88.72283935546875), lo = K(-87.33654022216797);
    const V above = _mm256_cmp_ps(x, hi, _CMP_GT_OQ), below = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    V clamped = replace(x, hi, above);
    clamped = replace(clamped, lo, below);
    const V magic = K(12582912);
    const V shifted = vadd(vmul(clamped, K(1.44269504088896341)), magic);
    const V n = vsub(shifted, magic);
    const __m256i ni = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_castps_si256(magic));
    V r = vsub(clamped, vmul(n, K(0.693359375)));
    r = vsub(r, vmul(n, K(-2.12194440e-4)));
    V p = K(1.9875691500e-4);
    p = vadd(vmul(p, r), K(1.3981999507e-3));
    p = vadd(vmul(p, r), K(8.3334519073e-3));
    p = vadd(vmul(p, r), K(4.1665795894e-2));
    p = vadd(vmul(p, r), K(1.6666665459e-1));
    p = vadd(vmul(p, r), K(5.0000001201e-1));
    const V er = vadd(vadd(vmul(p, vmul(r, r)), r), K(1));
    const __m256i half = _mm256_srai_epi32(ni, 1);
    const __m256i bias = _mm256_set1_epi32(127);
    const V twoA = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
    const V twoB = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, half), bias), 23));
    V result = vmul(vmul(er, twoA), twoB);
    result = replace(result, _mm256_set1_ps(__builtin_inff()), above);
    result = replace(result, _mm256_setzero_ps(), below);
    result = replace(result, x, _mm256_cmp_ps(x, x, _CMP_NEQ_UQ));
    return result;
}

// VectorMath.erfcNonNegative.
AVX2 static inline V verfc_nonnegative(V z) {
    const V one = K(1);
    const V t = vdiv(one, vadd(one, vmul(K(0.5), z)));
    V p = K(0.17087277);
    p = vadd(vmul(p, t), K(-0.82215223));
    p = vadd(vmul(p, t), K(1.48851587));
    p = vadd(vmul(p, t), K(-1.13520398));
    p = vadd(vmul(p, t), K(0.27886807));
    p = vadd(vmul(p, t), K(-0.18628806));
    p = vadd(vmul(p, t), K(0.09678418));
    p = vadd(vmul(p, t), K(0.37409196));
    p = vadd(vmul(p, t), K(1.00002368));
    p = vadd(vmul(p, t), K(-1.26551223));
    return vmul(t, vexp(vsub(p, vmul(z, z))));
}

// VectorMath.onePlusErf: 1 + erf(x/√2).
AVX2 static inline V vone_plus_erf(V x) {
    const V z = vmul(x, K(0.70710678118654752));
    const V negative = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
    const V c = verfc_nonnegative(vabs(z));
    return replace(vsub(K(2), c), c, negative);
}

// VectorMath.sigmoid (Swift's SIMD negation is 0 − v).
AVX2 static inline V vsigmoid(V x) {
    const V e = vexp(vsub(_mm256_setzero_ps(), vabs(x)));
    const V one = K(1);
    const V result = vdiv(one, vadd(one, e));
    return replace(result, vdiv(e, vadd(one, e)), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
}

AVX2 static inline V vsilu(V x) { return vmul(x, vsigmoid(x)); }

AVX2 static inline V vsilu_derivative(V x) {
    const V s = vsigmoid(x);
    return vmul(s, vadd(K(1), vmul(x, vsub(K(1), s))));
}

AVX2 static inline V vgelu(V x) { return vmul(vmul(K(0.5), x), vone_plus_erf(x)); }

AVX2 static inline V vgelu_derivative(V x) {
    const V cdf = vmul(K(0.5), vone_plus_erf(x));
    const V pdf = vmul(vexp(vmul(vmul(K(-0.5), x), x)), K(0.39894228040143268));
    return vadd(cdf, vmul(x, pdf));
}

AVX2 static inline V vquick_gelu(V x) { return vmul(x, vsigmoid(vmul(K(1.702), x))); }

AVX2 static inline V vquick_gelu_derivative(V x) {
    const V s = vsigmoid(vmul(K(1.702), x));
    return vadd(s, vmul(vmul(vmul(K(1.702), x), s), vsub(K(1), s)));
}

// One loop per function, so each inlines its polynomial; the tail goes through a zero-padded vector.
#define MAP_LOOP(expression)                                              \
    do {                                                                  \
        size_t i = 0;                                                     \
        for (; i + 8 <= count; i += 8) {                                  \
            const V v = _mm256_loadu_ps(x + i);                           \
            _mm256_storeu_ps(y + i, (expression));                        \
        }                                                                 \
        if (i < count) {                                                  \
            float lanes[8] = {0};                                         \
            memcpy(lanes, x + i, (count - i) * sizeof(float));            \
            const V v = _mm256_loadu_ps(lanes);                           \
            _mm256_storeu_ps(lanes, (expression));                        \
            memcpy(y + i, lanes, (count - i) * sizeof(float));            \
        }                                                                 \
    } while (0)

AVX2 int t2i_avx2_map(int function, const float *x, float *y, size_t count, float shift) {
    const V s = _mm256_set1_ps(shift);
    switch (function) {
    case T2I_VECTOR_EXP: MAP_LOOP(vexp(v)); return 0;
    case T2I_VECTOR_EXP_SHIFTED: MAP_LOOP(vexp(vsub(v, s))); return 0;
    case T2I_VECTOR_SIGMOID: MAP_LOOP(vsigmoid(v)); return 0;
    case T2I_VECTOR_SILU: MAP_LOOP(vsilu(v)); return 0;
    case T2I_VECTOR_GELU: MAP_LOOP(vgelu(v)); return 0;
    case T2I_VECTOR_QUICK_GELU: MAP_LOOP(vquick_gelu(v)); return 0;
    default: return -1;
    }
}

// gx += g·d(x), the tail as in MAP_LOOP (VectorMath.accumulate).
#define ACCUMULATE_LOOP(derivative)                                                          \
    do {                                                                                     \
        size_t i = 0;                                                                        \
        for (; i + 8 <= count; i += 8) {                                                     \
            const V v = _mm256_loadu_ps(x + i);                                              \
            const V d = (derivative);                                                        \
            _mm256_storeu_ps(gx + i, vadd(_mm256_loadu_ps(gx + i), vmul(_mm256_loadu_ps(g + i), d))); \
        }                                                                                    \
        if (i < count) {                                                                     \
            float lanes[8] = {0};                                                            \
            memcpy(lanes, x + i, (count - i) * sizeof(float));                               \
            const V v = _mm256_loadu_ps(lanes);                                              \
            _mm256_storeu_ps(lanes, (derivative));                                           \
            for (size_t j = i; j < count; j++) gx[j] += g[j] * lanes[j - i];                 \
        }                                                                                    \
    } while (0)

AVX2 int t2i_avx2_accumulate(int function, const float *x, const float *g, float *gx, size_t count) {
    switch (function) {
    case T2I_VECTOR_SILU: ACCUMULATE_LOOP(vsilu_derivative(v)); return 0;
    case T2I_VECTOR_GELU: ACCUMULATE_LOOP(vgelu_derivative(v)); return 0;
    case T2I_VECTOR_QUICK_GELU: ACCUMULATE_LOOP(vquick_gelu_derivative(v)); return 0;
    default: return -1;
    }
}
