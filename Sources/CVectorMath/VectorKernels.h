// The kernels of CVectorMath.c, written once for every vector width: CVectorMath.c includes this
// file once per instruction set, after defining
//   TARGET, LANES, V (a vector of LANES floats), VI (of LANES int32), M (a lane mask),
//   LOAD/STORE (unaligned), SET1, ZERO, vmul/vadd/vsub/vdiv, CMP_GT/CMP_LT (ordered), IS_NAN,
//   replace(v, b, mask) (b where mask is set), vabs, AS_INT/AS_FLOAT (bit casts), ISET1, IADD,
//   ISUB, ISRAI, ISLLI (int32 lanes), K(literal) (a Float literal as Swift rounds it), and
//   MAP_NAME/ACCUMULATE_NAME (the two exported functions) and NAMED(f) (f with the set's suffix,
//   so the static helpers of each set stay apart).
// Every operation is lane-wise, so each lane's bits do not depend on the width: every set gives
// the bits of VectorMath.swift, which every line below mirrors.

// VectorMath.exp: Cephes' expf.
TARGET static inline V NAMED(vexp)(V x) {
    const V hi = K(88.72283935546875), lo = K(-87.33654022216797);
    const M above = CMP_GT(x, hi), below = CMP_LT(x, lo);
    V clamped = replace(x, hi, above);
    clamped = replace(clamped, lo, below);
    const V magic = K(12582912);
    const V shifted = vadd(vmul(clamped, K(1.44269504088896341)), magic);
    const V n = vsub(shifted, magic);
    const VI ni = ISUB(AS_INT(shifted), AS_INT(magic));
    V r = vsub(clamped, vmul(n, K(0.693359375)));
    r = vsub(r, vmul(n, K(-2.12194440e-4)));
    V p = K(1.9875691500e-4);
    p = vadd(vmul(p, r), K(1.3981999507e-3));
    p = vadd(vmul(p, r), K(8.3334519073e-3));
    p = vadd(vmul(p, r), K(4.1665795894e-2));
    p = vadd(vmul(p, r), K(1.6666665459e-1));
    p = vadd(vmul(p, r), K(5.0000001201e-1));
    const V er = vadd(vadd(vmul(p, vmul(r, r)), r), K(1));
    const VI half = ISRAI(ni, 1);
    const VI bias = ISET1(127);
    const V twoA = AS_FLOAT(ISLLI(IADD(half, bias), 23));
    const V twoB = AS_FLOAT(ISLLI(IADD(ISUB(ni, half), bias), 23));
    V result = vmul(vmul(er, twoA), twoB);
    result = replace(result, SET1(__builtin_inff()), above);
    result = replace(result, ZERO, below);
    result = replace(result, x, IS_NAN(x));
    return result;
}

// VectorMath.erfcNonNegative.
TARGET static inline V NAMED(verfc_nonnegative)(V z) {
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
    return vmul(t, NAMED(vexp)(vsub(p, vmul(z, z))));
}

// VectorMath.onePlusErf: 1 + erf(x/√2).
TARGET static inline V NAMED(vone_plus_erf)(V x) {
    const V z = vmul(x, K(0.70710678118654752));
    const M negative = CMP_LT(z, ZERO);
    const V c = NAMED(verfc_nonnegative)(vabs(z));
    return replace(vsub(K(2), c), c, negative);
}

// VectorMath.sigmoid (Swift's SIMD negation is 0 − v).
TARGET static inline V NAMED(vsigmoid)(V x) {
    const V e = NAMED(vexp)(vsub(ZERO, vabs(x)));
    const V one = K(1);
    const V result = vdiv(one, vadd(one, e));
    return replace(result, vdiv(e, vadd(one, e)), CMP_LT(x, ZERO));
}

TARGET static inline V NAMED(vsilu)(V x) { return vmul(x, NAMED(vsigmoid)(x)); }

TARGET static inline V NAMED(vsilu_derivative)(V x) {
    const V s = NAMED(vsigmoid)(x);
    return vmul(s, vadd(K(1), vmul(x, vsub(K(1), s))));
}

// GELU and its derivative from u = 1 + erf(x/√2), for the kernels that evaluate or saved u once.
TARGET static inline V NAMED(vgelu_from)(V x, V u) { return vmul(vmul(K(0.5), x), u); }

// VectorMath.geluDerivative(_:onePlusErf:).
TARGET static inline V NAMED(vgelu_derivative_from)(V x, V u) {
    const V cdf = vmul(K(0.5), u);
    const V pdf = vmul(NAMED(vexp)(vmul(vmul(K(-0.5), x), x)), K(0.39894228040143268));
    return vadd(cdf, vmul(x, pdf));
}

TARGET static inline V NAMED(vgelu)(V x) { return NAMED(vgelu_from)(x, NAMED(vone_plus_erf)(x)); }

TARGET static inline V NAMED(vgelu_derivative)(V x) { return NAMED(vgelu_derivative_from)(x, NAMED(vone_plus_erf)(x)); }

TARGET static inline V NAMED(vquick_gelu)(V x) { return vmul(x, NAMED(vsigmoid)(vmul(K(1.702), x))); }

TARGET static inline V NAMED(vquick_gelu_derivative)(V x) {
    const V s = NAMED(vsigmoid)(vmul(K(1.702), x));
    return vadd(s, vmul(vmul(vmul(K(1.702), x), s), vsub(K(1), s)));
}

// One loop per function, so each inlines its polynomial; the tail goes through a zero-padded vector.
#define MAP_LOOP(expression)                                   \
    do {                                                       \
        size_t i = 0;                                          \
        for (; i + LANES <= count; i += LANES) {               \
            const V v = LOAD(x + i);                           \
            STORE(y + i, (expression));                        \
        }                                                      \
        if (i < count) {                                       \
            float lanes[LANES] = {0};                          \
            memcpy(lanes, x + i, (count - i) * sizeof(float)); \
            const V v = LOAD(lanes);                           \
            STORE(lanes, (expression));                        \
            memcpy(y + i, lanes, (count - i) * sizeof(float)); \
        }                                                      \
    } while (0)

TARGET int MAP_NAME(int function, const float *x, float *y, size_t count, float shift) {
    const V s = SET1(shift);
    switch (function) {
    case T2I_VECTOR_EXP: MAP_LOOP(NAMED(vexp)(v)); return 0;
    case T2I_VECTOR_EXP_SHIFTED: MAP_LOOP(NAMED(vexp)(vsub(v, s))); return 0;
    case T2I_VECTOR_SIGMOID: MAP_LOOP(NAMED(vsigmoid)(v)); return 0;
    case T2I_VECTOR_SILU: MAP_LOOP(NAMED(vsilu)(v)); return 0;
    case T2I_VECTOR_GELU: MAP_LOOP(NAMED(vgelu)(v)); return 0;
    case T2I_VECTOR_QUICK_GELU: MAP_LOOP(NAMED(vquick_gelu)(v)); return 0;
    default: return -1;
    }
}

// gx += g·d(x), or gx = g·d(x) where `accumulate` is 0 (no read of gx, so it need not be zeroed
// first); the tail as in MAP_LOOP (VectorMath.accumulate).
#define ACCUMULATE_LOOP(derivative)                                                   \
    do {                                                                              \
        size_t i = 0;                                                                 \
        for (; i + LANES <= count; i += LANES) {                                      \
            const V v = LOAD(x + i);                                                  \
            const V d = (derivative);                                                 \
            const V term = vmul(LOAD(g + i), d);                                      \
            STORE(gx + i, accumulate ? vadd(LOAD(gx + i), term) : term);              \
        }                                                                             \
        if (i < count) {                                                              \
            float lanes[LANES] = {0};                                                 \
            memcpy(lanes, x + i, (count - i) * sizeof(float));                        \
            const V v = LOAD(lanes);                                                  \
            STORE(lanes, (derivative));                                               \
            for (size_t j = i; j < count; j++) {                                      \
                const float term = g[j] * lanes[j - i];                               \
                gx[j] = accumulate ? gx[j] + term : term;                             \
            }                                                                         \
        }                                                                             \
    } while (0)

TARGET int ACCUMULATE_NAME(int function, const float *x, const float *g, float *gx, size_t count, int accumulate) {
    switch (function) {
    case T2I_VECTOR_SILU: ACCUMULATE_LOOP(NAMED(vsilu_derivative)(v)); return 0;
    case T2I_VECTOR_GELU: ACCUMULATE_LOOP(NAMED(vgelu_derivative)(v)); return 0;
    case T2I_VECTOR_QUICK_GELU: ACCUMULATE_LOOP(NAMED(vquick_gelu_derivative)(v)); return 0;
    default: return -1;
    }
}

// y = h·f(x) (a gated linear unit's activation: GEGLU with GELU), the tail as in MAP_LOOP.
#define GATED_LOOP(activation)                                                 \
    do {                                                                       \
        size_t i = 0;                                                          \
        for (; i + LANES <= count; i += LANES) {                               \
            const V v = LOAD(x + i);                                           \
            STORE(y + i, vmul(LOAD(h + i), (activation)));                     \
        }                                                                      \
        if (i < count) {                                                       \
            float lanes[LANES] = {0};                                          \
            memcpy(lanes, x + i, (count - i) * sizeof(float));                 \
            const V v = LOAD(lanes);                                           \
            STORE(lanes, (activation));                                        \
            for (size_t j = i; j < count; j++) y[j] = h[j] * lanes[j - i];     \
        }                                                                      \
    } while (0)

TARGET int GATED_NAME(int function, const float *h, const float *x, float *y, size_t count) {
    switch (function) {
    case T2I_VECTOR_SILU: GATED_LOOP(NAMED(vsilu)(v)); return 0;
    case T2I_VECTOR_GELU: GATED_LOOP(NAMED(vgelu)(v)); return 0;
    case T2I_VECTOR_QUICK_GELU: GATED_LOOP(NAMED(vquick_gelu)(v)); return 0;
    default: return -1;
    }
}

// dh (+)= g·f(x) and dx (+)= (g·h)·f′(x): the products in the order the unfused ops take them
// (the multiply's backward, then the activation's), so the bits are theirs. `shared` (u) is what
// f and f′ both need — erf for GELU, the sigmoid for SiLU and QuickGELU — evaluated once, with the
// same operations as the functions above.
#define GATED_BACKWARD_LOOP(shared, activation, derivative)                                          \
    do {                                                                                             \
        size_t i = 0;                                                                                \
        for (; i + LANES <= count; i += LANES) {                                                     \
            const V v = LOAD(x + i), gv = LOAD(g + i);                                               \
            const V u = (shared);                                                                    \
            if (dh) {                                                                                \
                const V term = vmul(gv, (activation));                                               \
                STORE(dh + i, accumulate_h ? vadd(LOAD(dh + i), term) : term);                       \
            }                                                                                        \
            if (dx) {                                                                                \
                const V term = vmul(vmul(gv, LOAD(h + i)), (derivative));                            \
                STORE(dx + i, accumulate_x ? vadd(LOAD(dx + i), term) : term);                       \
            }                                                                                        \
        }                                                                                            \
        if (i < count) {                                                                             \
            float fs[LANES] = {0}, ds[LANES] = {0};                                                  \
            memcpy(fs, x + i, (count - i) * sizeof(float));                                          \
            const V v = LOAD(fs);                                                                    \
            const V u = (shared);                                                                    \
            STORE(fs, (activation));                                                                 \
            STORE(ds, (derivative));                                                                 \
            for (size_t j = i; j < count; j++) {                                                     \
                if (dh) { const float term = g[j] * fs[j - i]; dh[j] = accumulate_h ? dh[j] + term : term; } \
                if (dx) { const float term = g[j] * h[j] * ds[j - i]; dx[j] = accumulate_x ? dx[j] + term : term; } \
            }                                                                                        \
        }                                                                                            \
    } while (0)

TARGET int GATED_BACKWARD_NAME(int function, const float *h, const float *x, const float *g, float *dh, float *dx,
                               size_t count, int accumulate_h, int accumulate_x) {
    switch (function) {
    case T2I_VECTOR_SILU:  // vsilu, vsilu_derivative
        GATED_BACKWARD_LOOP(NAMED(vsigmoid)(v), vmul(v, u), vmul(u, vadd(K(1), vmul(v, vsub(K(1), u)))));
        return 0;
    case T2I_VECTOR_GELU:  // vgelu, vgelu_derivative
        GATED_BACKWARD_LOOP(NAMED(vone_plus_erf)(v), NAMED(vgelu_from)(v, u), NAMED(vgelu_derivative_from)(v, u));
        return 0;
    case T2I_VECTOR_QUICK_GELU:  // vquick_gelu, vquick_gelu_derivative
        GATED_BACKWARD_LOOP(NAMED(vsigmoid)(vmul(K(1.702), v)), vmul(v, u),
                            vadd(u, vmul(vmul(vmul(K(1.702), v), u), vsub(K(1), u))));
        return 0;
    default: return -1;
    }
}

// GELU keeping what its backward needs: u = 1 + erf(x/√2) and y = (0.5·x)·u — vgelu's operations,
// so y has its bits. (VectorMath.geluSaving.)
TARGET int GELU_SAVING_NAME(const float *x, float *y, float *u, size_t count) {
    size_t i = 0;
    for (; i + LANES <= count; i += LANES) {
        const V v = LOAD(x + i);
        const V w = NAMED(vone_plus_erf)(v);
        STORE(u + i, w);
        STORE(y + i, NAMED(vgelu_from)(v, w));
    }
    if (i < count) {
        float xs[LANES] = {0}, us[LANES], ys[LANES];
        memcpy(xs, x + i, (count - i) * sizeof(float));
        const V v = LOAD(xs);
        const V w = NAMED(vone_plus_erf)(v);
        STORE(us, w);
        STORE(ys, NAMED(vgelu_from)(v, w));
        memcpy(u + i, us, (count - i) * sizeof(float));
        memcpy(y + i, ys, (count - i) * sizeof(float));
    }
    return 0;
}

// gx (+)= g·f′(x) for GELU from the saved u (vgelu_derivative_from): the bits of
// ACCUMULATE_LOOP(vgelu_derivative) without erf's cost.
TARGET int GELU_BACKWARD_SAVED_NAME(const float *x, const float *u, const float *g, float *gx, size_t count, int accumulate) {
    size_t i = 0;
    for (; i + LANES <= count; i += LANES) {
        const V term = vmul(LOAD(g + i), NAMED(vgelu_derivative_from)(LOAD(x + i), LOAD(u + i)));
        STORE(gx + i, accumulate ? vadd(LOAD(gx + i), term) : term);
    }
    if (i < count) {
        float xs[LANES] = {0}, us[LANES] = {0}, ds[LANES];
        memcpy(xs, x + i, (count - i) * sizeof(float));
        memcpy(us, u + i, (count - i) * sizeof(float));
        STORE(ds, NAMED(vgelu_derivative_from)(LOAD(xs), LOAD(us)));
        for (size_t j = i; j < count; j++) {
            const float term = g[j] * ds[j - i];
            gx[j] = accumulate ? gx[j] + term : term;
        }
    }
    return 0;
}

#undef MAP_LOOP
#undef ACCUMULATE_LOOP
#undef GATED_LOOP
#undef GATED_BACKWARD_LOOP
