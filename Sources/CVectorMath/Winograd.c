// Winograd F(2×2, 3×3) for the 3×3, stride-1, padding-1 convolutions (Lavin & Gray, "Fast Algorithms
// for Convolutional Neural Networks", 2016): see CVectorMath.h. Each 2×2 output tile of a channel is
//
//   Y = Aᵀ [ Σ_c (G g_oc Gᵀ) ⊙ (Bᵀ d_c B) ] A,
//
// d_c the 4×4 input patch of channel c under the tile (zero outside the image), so the products over
// the input channels are 16 GEMMs, one per element ξ of the 4×4 transformed tile:
// M_ξ (cout × tiles) = U_ξ (cout × cin) · V_ξ (cin × tiles), 16·cout·cin multiplies per tile of 4
// outputs instead of the direct convolution's 36·cout·cin — 2.25× fewer.
//
//   Bᵀ = | 1  0 −1  0 |    G = | 1    0    0  |    Aᵀ = | 1  1  1  0 |
//        | 0  1  1  0 |        | ½    ½    ½  |         | 0  1 −1 −1 |
//        | 0 −1  1  0 |        | ½   −½    ½  |
//        | 0  1  0 −1 |        | 0    0    1  |
//
// The transforms run 16 tiles at a time, one tile per lane; a tile's values never depend on the
// other lanes, and the GEMM's columns do not depend on each other (PackedGEMM.c), so an output
// depends on its image alone, in whatever group of columns it is computed.
#include "CVectorMath.h"

#include <immintrin.h>
#include <string.h>

#define TARGET512 __attribute__((target("avx512f")))

// The first n lanes (none for n ≤ 0, all for n ≥ 16).
static inline __mmask16 first_lanes_of(int n) { return (__mmask16)(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1); }

size_t t2i_winograd_packed_count(int m, int k) { return 16 * t2i_gemm_packed_count(m, k); }

size_t t2i_winograd_scratch_count(int cout, int cin, int count) {
    const size_t columns = (size_t)((count + 15) / 16) * 16;
    return 16 * (size_t)(cin + cout) * columns;
}

TARGET512 void t2i_winograd_pack_weights(const float *w, int cout, int cin, int transposed, int first_panel, int panels,
                                         float *packed) {
    // The GEMMs' A: m × k = cout × cin (or, transposed, cin × cout with each kernel turned by 180°).
    // One lane per row i of a panel, as the packed panel lays them out: packed_row(panel ξ, k, i)[p·16].
    const int m = transposed ? cin : cout, k = transposed ? cout : cin;
    const size_t panel = t2i_gemm_packed_count(m, k);
    const int last = (m + 15) / 16 < first_panel + panels ? (m + 15) / 16 : first_panel + panels;
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // kernel g of row i + l at g(i, p) + l·row_step (rows past m read as 0)
    const __m512i rows = _mm512_mullo_epi32(lane, _mm512_set1_epi32(transposed ? 9 : 9 * cin));
    const __m512 half = _mm512_set1_ps(0.5f);
    for (int pi = first_panel; pi < last; pi++) {
        const __mmask16 inside = first_lanes_of(m - 16 * pi);
        for (int p = 0; p < k; p++) {
            const int i = 16 * pi;
            const float *g = transposed ? w + ((size_t)p * cin + i) * 9 : w + ((size_t)i * cin + p) * 9;
            __m512 kernel[3][3];
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    const int at = transposed ? (2 - a) * 3 + (2 - b) : a * 3 + b;
                    kernel[a][b] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, rows, g + at, 4);
                }
            }
            // G·g (4 × 3), then (G·g)·Gᵀ (4 × 4)
            __m512 gg[4][3], u[4][4];
            for (int b = 0; b < 3; b++) {
                gg[0][b] = kernel[0][b];
                gg[1][b] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(kernel[0][b], kernel[1][b]), kernel[2][b]));
                gg[2][b] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(kernel[0][b], kernel[1][b]), kernel[2][b]));
                gg[3][b] = kernel[2][b];
            }
            for (int a = 0; a < 4; a++) {
                u[a][0] = gg[a][0];
                u[a][1] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(gg[a][0], gg[a][1]), gg[a][2]));
                u[a][2] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(gg[a][0], gg[a][1]), gg[a][2]));
                u[a][3] = gg[a][2];
            }
            for (int e = 0; e < 16; e++) {
                _mm512_storeu_ps(packed + e * panel + (size_t)pi * k * 16 + (size_t)p * 16, u[e / 4][e % 4]);
            }
        }
    }
}

// Lane indices of the even (0, 2, …, 30) and odd (1, 3, …, 31) elements of two vectors side by side.
#define EVEN_LANES _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODD_LANES _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)

// A run of `lanes` tiles from tile (th, tw0) and its outputs: the run's lanes, the outputs
// 2tw0 … of each of its output rows that lie inside the image (the first 16 and the next 16), and
// how many of its two output rows do.
typedef struct {
    __mmask16 tiles, lo, hi;
    int rows;
} run_outputs;

static inline run_outputs outputs_of_run(int h, int w, int th, int tw0, int lanes) {
    const int width = w - 2 * tw0 < 2 * lanes ? w - 2 * tw0 : 2 * lanes;
    run_outputs run = {first_lanes_of(lanes), first_lanes_of(width), first_lanes_of(width - 16), 2 * th + 1 < h ? 2 : 1};
    return run;
}

// The 4 patch columns 2tw − 1 … 2tw + 2 of tiles tw0 … tw0 + 15 in one image row (w wide), as 4
// vectors (lane l: tile tw0 + l), zero outside the row: two loads de-interleaved into the even and
// odd columns, and those shifted by one lane for the outer two.
TARGET512 static void patch_row(const float *row, int w, int tw0, __m512 d[4]) {
    const int c0 = 2 * tw0;
    const __m512 lo = _mm512_maskz_loadu_ps(first_lanes_of(w - c0), row + c0);
    const __m512 hi = _mm512_maskz_loadu_ps(first_lanes_of(w - c0 - 16), row + c0 + 16);
    const __m512 even = _mm512_permutex2var_ps(lo, EVEN_LANES, hi), odd = _mm512_permutex2var_ps(lo, ODD_LANES, hi);
    const __m512 before = _mm512_set1_ps(c0 > 0 ? row[c0 - 1] : 0.0f);
    const __m512 after = _mm512_set1_ps(c0 + 32 < w ? row[c0 + 32] : 0.0f);
    d[0] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(odd), _mm512_castps_si512(before), 15));
    d[1] = even;
    d[2] = odd;
    d[3] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(after), _mm512_castps_si512(even), 1));
}

// Calls body(image, th, tw0, lanes, column) for every run of ≤ 16 tiles of one tile row among the
// columns [first, end): `column` is the run's first column counted from `first`.
#define FOR_TILE_RUNS(first, end, tiles, tiles_w, ...) do { \
        for (int q_ = (first); q_ < (end);) { \
            const int image = q_ / (tiles), t_ = q_ % (tiles), th = t_ / (tiles_w), tw0 = t_ % (tiles_w); \
            int lanes = (tiles_w) - tw0; \
            if (lanes > 16) lanes = 16; \
            if (lanes > (end) - q_) lanes = (end) - q_; \
            const int column = q_ - (first); \
            __VA_ARGS__; \
            q_ += lanes; \
        } \
    } while (0)

// Small images (tiles_w ≤ `LANE_TILES_MAX_W`): a tile row fills at most a quarter of a vector, so
// the 16 lanes take 16 consecutive columns instead — across tile rows and images — and gather their
// patches (2.0–4.3× faster transforms at 8 × 8 and 4 × 4 than runs along a tile row, 0.6× at 16 × 16).
// A lane's values and arithmetic are the same either way, so are the bits.
#define LANE_TILES_MAX_W 4

// The tiles of columns [q0, q0 + lanes), one per lane: each one's offset of element (2th + r0, 2tw + r0)
// — r0 = −1 for the input patch, 0 for the outputs — from the start of image `image0` in a tensor of
// `channels` planes of h × w, and which of the 4 rows and columns from there lie inside the image.
typedef struct {
    __m512i offset;
    __mmask16 lanes, row[4], col[4];
} lane_tiles;

// Whether every offset `lane_tiles` makes for blocks of `count` columns fits in 32 bits.
static inline int lane_tiles_fit(int count, int tiles, int channels, int h, int w) {
    return (double)(count / tiles + 2) * channels * h * w < 2147483647.0;
}

TARGET512 static lane_tiles tiles_in_lanes(int q0, int lanes, int tiles, int tiles_w, int h, int w, int image0,
                                           int channels, int r0) {
    lane_tiles t = {_mm512_setzero_si512(), first_lanes_of(lanes), {0, 0, 0, 0}, {0, 0, 0, 0}};
    int offset[16] = {0};
    for (int l = 0; l < lanes; l++) {
        const int q = q0 + l, image = q / tiles - image0, th = q % tiles / tiles_w, tw = q % tiles % tiles_w;
        const int r = 2 * th + r0, c = 2 * tw + r0;
        offset[l] = (image * channels * h + r) * w + c;
        for (int a = 0; a < 4; a++) {
            if (r + a >= 0 && r + a < h) t.row[a] |= (__mmask16)(1u << l);
            if (c + a >= 0 && c + a < w) t.col[a] |= (__mmask16)(1u << l);
        }
    }
    t.offset = _mm512_loadu_si512(offset);
    return t;
}

// Element (a, b) from each lane's tile corner in `plane` (the image0 plane of the channel), 0 outside.
TARGET512 static inline __m512 gather_at(const lane_tiles *t, const float *plane, int w, int a, int b) {
    const __mmask16 inside = t->lanes & t->row[a] & t->col[b];
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, _mm512_add_epi32(t->offset, _mm512_set1_epi32(a * w + b)), plane, 4);
}

// Calls body for every group of ≤ 16 consecutive columns among [first, first + count), with
// `column` the group's first counted from `first`, `image0` = first / tiles, and `t` the group's
// `lane_tiles` (offsets from image0, r0 as there).
#define FOR_LANE_TILES(first, count, tiles, tiles_w, h, w, channels, r0, ...) do { \
        const int image0 = (first) / (tiles); \
        for (int column = 0; column < (count); column += 16) { \
            const int lanes_ = (count) - column < 16 ? (count) - column : 16; \
            const lane_tiles t = tiles_in_lanes((first) + column, lanes_, tiles, tiles_w, h, w, image0, channels, r0); \
            __VA_ARGS__; \
        } \
    } while (0)

// V = Bᵀ d B of the 16 lanes' patches d (d[4a + b]: row a, column b) into columns column… of v.
TARGET512 static inline void transform_patches(const __m512 d[16], float *v, size_t v_step, __mmask16 store) {
    __m512 t[16];
    // rows: t = Bᵀ d
    for (int b = 0; b < 4; b++) {
        t[0 + b] = _mm512_sub_ps(d[0 + b], d[8 + b]);
        t[4 + b] = _mm512_add_ps(d[4 + b], d[8 + b]);
        t[8 + b] = _mm512_sub_ps(d[8 + b], d[4 + b]);
        t[12 + b] = _mm512_sub_ps(d[4 + b], d[12 + b]);
    }
    // columns: V = t B
    for (int a = 0; a < 4; a++) {
        const __m512 *r = t + 4 * a;
        float *out = v + (size_t)(4 * a) * v_step;
        _mm512_mask_storeu_ps(out, store, _mm512_sub_ps(r[0], r[2]));
        _mm512_mask_storeu_ps(out + v_step, store, _mm512_add_ps(r[1], r[2]));
        _mm512_mask_storeu_ps(out + 2 * v_step, store, _mm512_sub_ps(r[2], r[1]));
        _mm512_mask_storeu_ps(out + 3 * v_step, store, _mm512_sub_ps(r[1], r[3]));
    }
}

// Whether the blocks of `count` columns of these images take the lanes across tile rows.
static inline int lanes_across_rows(int count, int channels, int h, int w) {
    const int tiles_w = (w + 1) / 2;
    return tiles_w <= LANE_TILES_MAX_W && lane_tiles_fit(count, (h + 1) / 2 * tiles_w, channels, h, w);
}

// V_ξ[c][column] = (Bᵀ d B)_ξ of the tile of each column in [first, first + count) of x (images,
// cin, h, w), into v (16, cin, ld): column q at v[(ξ·cin + c)·ld + q − first].
TARGET512 static void input_transform(const float *x, int cin, int h, int w, int first, int count, float *v, int ld) {
    const int tiles_w = (w + 1) / 2, tiles = (h + 1) / 2 * tiles_w, hw = h * w, end = first + count;
    const size_t v_step = (size_t)cin * ld;
    if (lanes_across_rows(count, cin, h, w)) {
        FOR_LANE_TILES(first, count, tiles, tiles_w, h, w, cin, -1, {
            for (int c = 0; c < cin; c++) {
                const float *plane = x + ((size_t)image0 * cin + c) * hw;
                __m512 d[16];
                for (int e = 0; e < 16; e++) d[e] = gather_at(&t, plane, w, e / 4, e % 4);
                transform_patches(d, v + (size_t)c * ld + column, v_step, t.lanes);
            }
        });
        return;
    }
    FOR_TILE_RUNS(first, end, tiles, tiles_w, {
        const __mmask16 store = first_lanes_of(lanes);
        for (int c = 0; c < cin; c++) {
            const float *plane = x + ((size_t)image * cin + c) * hw;
            __m512 d[16];
            for (int a = 0; a < 4; a++) {
                const int r = 2 * th - 1 + a;
                if (r >= 0 && r < h) {
                    patch_row(plane + (size_t)r * w, w, tw0, d + 4 * a);
                } else {
                    d[4 * a] = d[4 * a + 1] = d[4 * a + 2] = d[4 * a + 3] = _mm512_setzero_ps();
                }
            }
            transform_patches(d, v + (size_t)c * ld + column, v_step, store);
        }
    });
}

// Y = Aᵀ M A of the lanes' tiles, M_ξ at m + ξ·m_step: out[2a + b] is output (2th + a, 2tw + b).
TARGET512 static inline void output_tiles(const float *m, size_t m_step, __mmask16 lanes, __m512 out[4]) {
    __m512 mv[16];
    for (int e = 0; e < 16; e++) mv[e] = _mm512_maskz_loadu_ps(lanes, m + e * m_step);
    // rows: s = Aᵀ M (2 × 4)
    __m512 s[8];
    for (int b = 0; b < 4; b++) {
        s[b] = _mm512_add_ps(_mm512_add_ps(mv[b], mv[4 + b]), mv[8 + b]);
        s[4 + b] = _mm512_sub_ps(_mm512_sub_ps(mv[4 + b], mv[8 + b]), mv[12 + b]);
    }
    // columns: Y = s A — left and right output of each tile
    for (int a = 0; a < 2; a++) {
        out[2 * a] = _mm512_add_ps(_mm512_add_ps(s[4 * a], s[4 * a + 1]), s[4 * a + 2]);
        out[2 * a + 1] = _mm512_sub_ps(_mm512_sub_ps(s[4 * a + 1], s[4 * a + 2]), s[4 * a + 3]);
    }
}

TARGET512 void t2i_winograd_conv_avx512(const float *packed, int cout, int cin, const float *x, int h, int w,
                                        int first, int count, float *y, int accumulate, const float *bias,
                                        float *scratch) {
    if (count <= 0) return;
    const int tiles_w = (w + 1) / 2, tiles = (h + 1) / 2 * tiles_w, hw = h * w;
    const int ld = (count + 15) / 16 * 16, end = first + count;
    const size_t panel = t2i_gemm_packed_count(cout, cin), v_step = (size_t)cin * ld, m_step = (size_t)cout * ld;
    float *v = scratch, *mm = scratch + 16 * v_step;  // v: (16, cin, ld)  mm: (16, cout, ld)

    input_transform(x, cin, h, w, first, count, v, ld);
    // M_ξ = U_ξ · V_ξ
    for (int e = 0; e < 16; e++) {
        t2i_gemm_packed_avx512(packed + e * panel, cout, cin, v + e * v_step, ld, count, mm + e * m_step, ld, 0, NULL);
    }
    // Y = Aᵀ M A into each tile's 2 × 2 outputs
    if (lanes_across_rows(count, cout, h, w)) {
        // scattered to each lane's tile
        FOR_LANE_TILES(first, count, tiles, tiles_w, h, w, cout, 0, {
            for (int o = 0; o < cout; o++) {
                __m512 out[4];
                output_tiles(mm + (size_t)o * ld + column, m_step, t.lanes, out);
                float *plane = y + ((size_t)image0 * cout + o) * hw;
                const __m512 start = bias && !accumulate ? _mm512_set1_ps(bias[o]) : _mm512_setzero_ps();
                for (int e = 0; e < 4; e++) {
                    const __mmask16 inside = t.lanes & t.row[e / 2] & t.col[e % 2];
                    const __m512i at = _mm512_add_epi32(t.offset, _mm512_set1_epi32(e / 2 * w + e % 2));
                    __m512 value = out[e];
                    if (accumulate) {
                        value = _mm512_add_ps(_mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, at, plane, 4), value);
                    } else if (bias) {
                        value = _mm512_add_ps(start, value);
                    }
                    _mm512_mask_i32scatter_ps(plane, inside, at, value, 4);
                }
            }
        });
        return;
    }
    // per output row, the two columns of each tile interleaved into 32 consecutive outputs
    const __m512i first_half = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i second_half = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    FOR_TILE_RUNS(first, end, tiles, tiles_w, {
        const run_outputs run = outputs_of_run(h, w, th, tw0, lanes);
        for (int o = 0; o < cout; o++) {
            __m512 out[4];
            output_tiles(mm + (size_t)o * ld + column, m_step, run.tiles, out);
            float *plane = y + ((size_t)image * cout + o) * hw;
            const __m512 start = bias && !accumulate ? _mm512_set1_ps(bias[o]) : _mm512_setzero_ps();
            for (int a = 0; a < run.rows; a++) {
                const __m512 left = out[2 * a], right = out[2 * a + 1];
                __m512 lo = _mm512_permutex2var_ps(left, first_half, right), hi = _mm512_permutex2var_ps(left, second_half, right);
                float *row = plane + (size_t)(2 * th + a) * w + 2 * tw0;
                if (accumulate) {
                    lo = _mm512_add_ps(_mm512_maskz_loadu_ps(run.lo, row), lo);
                    hi = _mm512_add_ps(_mm512_maskz_loadu_ps(run.hi, row + 16), hi);
                } else if (bias) {
                    lo = _mm512_add_ps(start, lo);
                    hi = _mm512_add_ps(start, hi);
                }
                _mm512_mask_storeu_ps(row, run.lo, lo);
                _mm512_mask_storeu_ps(row + 16, run.hi, hi);
            }
        }
    });
}

// ---- The weight gradient. The forward is M = Σ_c U ⊙ V per tile and Y = Aᵀ M A, so with dM = A dY Aᵀ
// (the adjoint of the output transform, 2 × 2 → 4 × 4), dU_ξ = Σ_tiles dM_ξ · V_ξ — again 16 GEMMs,
// of cout × cin with the tiles as the sum — and dW = Gᵀ dU G (the adjoint of the kernel transform).

size_t t2i_winograd_weight_grad_scratch_count(int cout, int cin, int count) {
    const size_t columns = (size_t)((count + 15) / 16) * 16;
    return 16 * (size_t)(cin + cout) * columns + t2i_gemm_packed_count(cout, (int)columns) + columns * (size_t)cin;
}

// dM = A g Aᵀ of the lanes' tiles, g[2a + b] the gradient of output (2th + a, 2tw + b), into dM_ξ at dm + ξ·d_step.
TARGET512 static inline void gradient_tiles(const __m512 g[4], float *dm, size_t d_step, __mmask16 lanes) {
    // rows: r = A g (4 × 2), A = [1 0; 1 1; 1 −1; 0 −1]
    __m512 r[8];
    for (int b = 0; b < 2; b++) {
        r[0 + b] = g[b];
        r[2 + b] = _mm512_add_ps(g[b], g[2 + b]);
        r[4 + b] = _mm512_sub_ps(g[b], g[2 + b]);
        r[6 + b] = _mm512_sub_ps(_mm512_setzero_ps(), g[2 + b]);
    }
    // columns: dM = r Aᵀ
    for (int a = 0; a < 4; a++) {
        const __m512 left = r[2 * a], right = r[2 * a + 1];
        float *out = dm + (size_t)(4 * a) * d_step;
        _mm512_mask_storeu_ps(out, lanes, left);
        _mm512_mask_storeu_ps(out + d_step, lanes, _mm512_add_ps(left, right));
        _mm512_mask_storeu_ps(out + 2 * d_step, lanes, _mm512_sub_ps(left, right));
        _mm512_mask_storeu_ps(out + 3 * d_step, lanes, _mm512_sub_ps(_mm512_setzero_ps(), right));
    }
}

TARGET512 void t2i_winograd_weight_grad_avx512(const float *x, const float *dy, int cin, int cout, int h, int w,
                                               int first, int count, float *du, float *scratch) {
    if (count <= 0) return;
    const int tiles_w = (w + 1) / 2, tiles = (h + 1) / 2 * tiles_w, hw = h * w;
    const int ld = (count + 15) / 16 * 16, end = first + count;
    const size_t v_step = (size_t)cin * ld, d_step = (size_t)cout * ld;
    // v: (16, cin, ld)  dm: (16, cout, ld)  packed: dM_ξ as A (cout × count)  vt: V_ξᵀ (count × cin)
    float *v = scratch, *dm = v + 16 * v_step, *packed = dm + 16 * d_step;
    float *vt = packed + t2i_gemm_packed_count(cout, ld);
    input_transform(x, cin, h, w, first, count, v, ld);
    // dM = A dY Aᵀ per tile: its 2 × 2 gradients (0 outside the image)
    if (lanes_across_rows(count, cout, h, w)) {
        FOR_LANE_TILES(first, count, tiles, tiles_w, h, w, cout, 0, {
            for (int o = 0; o < cout; o++) {
                const float *plane = dy + ((size_t)image0 * cout + o) * hw;
                __m512 g[4];
                for (int e = 0; e < 4; e++) g[e] = gather_at(&t, plane, w, e / 2, e % 2);
                gradient_tiles(g, dm + (size_t)o * ld + column, d_step, t.lanes);
            }
        });
    } else {
        // de-interleaved per row
        FOR_TILE_RUNS(first, end, tiles, tiles_w, {
            const run_outputs run = outputs_of_run(h, w, th, tw0, lanes);
            for (int o = 0; o < cout; o++) {
                const float *plane = dy + ((size_t)image * cout + o) * hw;
                __m512 g[4];
                for (int a = 0; a < 2; a++) {
                    if (a < run.rows) {
                        const float *row = plane + (size_t)(2 * th + a) * w + 2 * tw0;
                        const __m512 lo = _mm512_maskz_loadu_ps(run.lo, row), hi = _mm512_maskz_loadu_ps(run.hi, row + 16);
                        g[2 * a] = _mm512_permutex2var_ps(lo, EVEN_LANES, hi);
                        g[2 * a + 1] = _mm512_permutex2var_ps(lo, ODD_LANES, hi);
                    } else {
                        g[2 * a] = g[2 * a + 1] = _mm512_setzero_ps();
                    }
                }
                gradient_tiles(g, dm + (size_t)o * ld + column, d_step, run.tiles);
            }
        });
    }
    // dU_ξ (cout × cin) += dM_ξ (cout × count) · V_ξᵀ (count × cin)
    for (int e = 0; e < 16; e++) {
        t2i_gemm_pack_a(dm + e * d_step, ld, 0, cout, count, packed);
        t2i_transpose(v + e * v_step, ld, cin, count, vt, cin);
        t2i_gemm_packed_avx512(packed, cout, count, vt, cin, cin, du + (size_t)e * cout * cin, cin, 1, NULL);
    }
}

void t2i_winograd_weight_grad_finish(const float *du, int cout, int cin, size_t first, size_t count, float *dw) {
    const size_t step = (size_t)cout * cin, end = first + count < step ? first + count : step;
    for (size_t k = first; k < end; k++) {
        float u[4][4], t[3][4];
        for (int e = 0; e < 16; e++) u[e / 4][e % 4] = du[e * step + k];
        // rows: t = Gᵀ dU (3 × 4), Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]
        for (int j = 0; j < 4; j++) {
            t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
            t[1][j] = 0.5f * (u[1][j] - u[2][j]);
            t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
        }
        // columns: dg = t G
        float *g = dw + k * 9;
        for (int a = 0; a < 3; a++) {
            g[a * 3 + 0] += t[a][0] + 0.5f * (t[a][1] + t[a][2]);
            g[a * 3 + 1] += 0.5f * (t[a][1] - t[a][2]);
            g[a * 3 + 2] += 0.5f * (t[a][1] + t[a][2]) + t[a][3];
        }
    }
}
