#include "COpenBLASCore.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef char *(*t2i_corename_fn)(void);
typedef void (*t2i_void_fn)(void);

static char detected[32] = "";

const char *t2i_openblas_core(void) {
    // Looked up at run time: a build without DYNAMIC_ARCH still names its core, and nothing here
    // needs OpenBLAS at link time.
    t2i_corename_fn name = (t2i_corename_fn)dlsym(RTLD_DEFAULT, "openblas_get_corename");
    const char *core = name ? name() : NULL;
    return core ? core : "unknown";
}

const char *t2i_openblas_detected_core(void) {
    return detected[0] ? detected : t2i_openblas_core();
}

const char *t2i_openblas_replacement_core(const char *current, int has_avx2_fma, int has_avx512) {
    // OpenBLAS's sets without AVX2: what an unknown model falls back to (Prescott on x86-64), or
    // what an old CPU really is (then the CPU lacks AVX2 and nothing changes).
    static const char *const fallbacks[] = {
        "Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Atom", "Core2", "Penryn",
        "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano",
        "Sandybridge", "Bobcat", "Bulldozer", "Piledriver", "Steamroller", "Unknown",
    };
    if (current == NULL) return NULL;
    int fallback = 0;
    for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++) {
        if (strcasecmp(current, fallbacks[i]) == 0) { fallback = 1; break; }
    }
    if (!fallback) return NULL;
    if (has_avx512 && has_avx2_fma) return "SkylakeX";
    if (has_avx2_fma) return "Haswell";
    return NULL;
}

int t2i_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int t2i_cpu_has_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

#if defined(__x86_64__)
__attribute__((constructor)) static void t2i_openblas_select_core(void) {
    strncpy(detected, t2i_openblas_core(), sizeof detected - 1);
    if (getenv("OPENBLAS_CORETYPE") != NULL) return;
    t2i_void_fn quit = (t2i_void_fn)dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    t2i_void_fn init = (t2i_void_fn)dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (quit == NULL || init == NULL) return;  // not a DYNAMIC_ARCH build: its kernels are fixed
    const char *target = t2i_openblas_replacement_core(detected, t2i_cpu_has_avx2_fma(), t2i_cpu_has_avx512());
    if (target == NULL) return;
    // Before main, on one thread: nothing else reads the environment meanwhile.
    setenv("OPENBLAS_CORETYPE", target, 1);
    quit();  // forget the fallback: gotoblas_dynamic_init returns at once while a set is chosen
    init();  // reads OPENBLAS_CORETYPE and initialises that set's blocking parameters
    unsetenv("OPENBLAS_CORETYPE");
}
#endif
