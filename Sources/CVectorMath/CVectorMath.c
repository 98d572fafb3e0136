// AVX2 and AVX-512 twins of TensorCore's `VectorMath` (see CVectorMath.h): the kernels are written
// once, in VectorKernels.h, mirroring VectorMath.swift operation for operation, and included here
// once per instruction set, so every set agrees with Swift bit for bit.
#include "CVectorMath.h"

#include <immintrin.h>
#include <string.h>

// Multiplies and adds round separately, as in VectorMath.swift.
#pragma STDC FP_CONTRACT OFF

int t2i_vector_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

int t2i_vector_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAMED(f) CAT(f, SUFFIX)
// The helpers each set defines below, by their names in VectorKernels.h.
#define vmul(a, b) NAMED(vmul)(a, b)
#define vadd(a, b) NAMED(vadd)(a, b)
#define vsub(a, b) NAMED(vsub)(a, b)
#define vdiv(a, b) NAMED(vdiv)(a, b)
#define replace(v, b, mask) NAMED(replace)(v, b, mask)
#define vabs(x) NAMED(vabs)(x)
// A Float literal as Swift rounds it on x86: decimal → 80-bit long double → float.
#define K(literal) SET1((float)(literal##L))

// ---- AVX2: 8 lanes, masks are vectors of all-ones lanes.
#define SUFFIX avx2
#define TARGET __attribute__((target("avx2")))
#define LANES 8
#define V __m256
#define VI __m256i
#define M __m256
#define LOAD _mm256_loadu_ps
#define STORE _mm256_storeu_ps
#define SET1 _mm256_set1_ps
#define ZERO _mm256_setzero_ps()
#define CMP_GT(a, b) _mm256_cmp_ps(a, b, _CMP_GT_OQ)
#define CMP_LT(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define IS_NAN(x) _mm256_cmp_ps(x, x, _CMP_NEQ_UQ)
#define AS_INT _mm256_castps_si256
#define AS_FLOAT _mm256_castsi256_ps
#define ISET1 _mm256_set1_epi32
#define IADD _mm256_add_epi32
#define ISUB _mm256_sub_epi32
#define ISRAI _mm256_srai_epi32
#define ISLLI _mm256_slli_epi32
#define MAP_NAME t2i_avx2_map
#define ACCUMULATE_NAME t2i_avx2_accumulate
#define GATED_NAME t2i_avx2_gated
#define GATED_BACKWARD_NAME t2i_avx2_gated_backward
#define GELU_SAVING_NAME t2i_avx2_gelu_saving
#define GELU_BACKWARD_SAVED_NAME t2i_avx2_gelu_backward_saved
TARGET static inline V vmul_avx2(V a, V b) { return _mm256_mul_ps(a, b); }
TARGET static inline V vadd_avx2(V a, V b) { return _mm256_add_ps(a, b); }
TARGET static inline V vsub_avx2(V a, V b) { return _mm256_sub_ps(a, b); }
TARGET static inline V vdiv_avx2(V a, V b) { return _mm256_div_ps(a, b); }
// Swift's `v.replace(with: b, where: mask)`.
TARGET static inline V replace_avx2(V v, V b, M mask) { return _mm256_blendv_ps(v, b, mask); }
TARGET static inline V vabs_avx2(V x) { return AS_FLOAT(_mm256_and_si256(AS_INT(x), ISET1(0x7fffffff))); }
#include "VectorKernels.h"
#undef SUFFIX
#undef TARGET
#undef LANES
#undef V
#undef VI
#undef M
#undef LOAD
#undef STORE
#undef SET1
#undef ZERO
#undef CMP_GT
#undef CMP_LT
#undef IS_NAN
#undef AS_INT
#undef AS_FLOAT
#undef ISET1
#undef IADD
#undef ISUB
#undef ISRAI
#undef ISLLI
#undef MAP_NAME
#undef ACCUMULATE_NAME
#undef GATED_NAME
#undef GATED_BACKWARD_NAME
#undef GELU_SAVING_NAME
#undef GELU_BACKWARD_SAVED_NAME

// ---- AVX-512: 16 lanes, masks are 16-bit lane masks.
#define SUFFIX avx512
#define TARGET __attribute__((target("avx512f")))
#define LANES 16
#define V __m512
#define VI __m512i
#define M __mmask16
#define LOAD _mm512_loadu_ps
#define STORE _mm512_storeu_ps
#define SET1 _mm512_set1_ps
#define ZERO _mm512_setzero_ps()
#define CMP_GT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define CMP_LT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define IS_NAN(x) _mm512_cmp_ps_mask(x, x, _CMP_NEQ_UQ)
#define AS_INT _mm512_castps_si512
#define AS_FLOAT _mm512_castsi512_ps
#define ISET1 _mm512_set1_epi32
#define IADD _mm512_add_epi32
#define ISUB _mm512_sub_epi32
#define ISRAI _mm512_srai_epi32
#define ISLLI _mm512_slli_epi32
#define MAP_NAME t2i_avx512_map
#define ACCUMULATE_NAME t2i_avx512_accumulate
#define GATED_NAME t2i_avx512_gated
#define GATED_BACKWARD_NAME t2i_avx512_gated_backward
#define GELU_SAVING_NAME t2i_avx512_gelu_saving
#define GELU_BACKWARD_SAVED_NAME t2i_avx512_gelu_backward_saved
TARGET static inline V vmul_avx512(V a, V b) { return _mm512_mul_ps(a, b); }
TARGET static inline V vadd_avx512(V a, V b) { return _mm512_add_ps(a, b); }
TARGET static inline V vsub_avx512(V a, V b) { return _mm512_sub_ps(a, b); }
TARGET static inline V vdiv_avx512(V a, V b) { return _mm512_div_ps(a, b); }
TARGET static inline V replace_avx512(V v, V b, M mask) { return _mm512_mask_blend_ps(mask, v, b); }
TARGET static inline V vabs_avx512(V x) { return AS_FLOAT(_mm512_and_si512(AS_INT(x), ISET1(0x7fffffff))); }
#include "VectorKernels.h"
