#ifndef T2I_COPENBLASCORE_H
#define T2I_COPENBLASCORE_H

/// Which of OpenBLAS's kernel sets runs the matrix products.
///
/// A DYNAMIC_ARCH OpenBLAS (Debian's) picks its kernels by CPU model when it loads. A model newer
/// than the library falls back to the 2004 "Prescott" set (SSE3): Debian 12's 0.3.21 does that on
/// Emerald Rapids Xeons (family 6, model 207), where sgemm then runs at about a fifth of the
/// AVX-512 set's speed. At load, before `main`, this target checks the fallback against the CPU's
/// own features and, where the CPU can run a better set, has OpenBLAS select it again
/// (OPENBLAS_CORETYPE, its documented override, set only for that call). A user's own
/// OPENBLAS_CORETYPE is left to decide.

/// The kernel set OpenBLAS runs now ("Haswell", "SkylakeX", "Prescott", …), or "unknown" where
/// the library does not say.
const char *t2i_openblas_core(void);

/// The kernel set OpenBLAS had chosen when the process started, before any re-selection.
const char *t2i_openblas_detected_core(void);

/// 1 where this CPU (and its OS) runs AVX2 and FMA, else 0.
int t2i_cpu_has_avx2_fma(void);

/// 1 where this CPU (and its OS) runs AVX-512 F, CD, BW, DQ and VL (OpenBLAS's SkylakeX set), else 0.
int t2i_cpu_has_avx512(void);

/// The kernel set to select instead of `current` on a CPU with these features, or NULL to keep
/// it: "SkylakeX" (AVX-512 F/CD/BW/DQ/VL) or "Haswell" (AVX2 + FMA) when `current` is one of the
/// pre-AVX2 sets OpenBLAS falls back to; NULL otherwise, and for any set it chose by model.
const char *t2i_openblas_replacement_core(const char *current, int has_avx2_fma, int has_avx512);

#endif
