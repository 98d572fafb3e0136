// The GEMM behind the CPU backend's convolution and linear forwards (see CVectorMath.h): A packed
// once into panels of 16 rows, B read in place. Every element of C is one chain of fused multiply-adds over
// p = 0, 1, …, k−1 starting from zero, in every instruction set and whatever m, n, the tile or the
// position of the column: so a column of C depends only on its column of B (an image's output
// does not depend on the other images of its batch), and all paths agree bit for bit.
#include "CVectorMath.h"

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>

// Row i of a packed A (and the 15 rows after it in its panel): stride 16 per p.
static inline const float *packed_row(const float *packed, int k, int i) {
    return packed + (size_t)(i / 16) * k * 16 + (i % 16);
}

// The lane mask of the first `width` (≤ 16) lanes.
static inline unsigned first_lanes(int width) { return width >= 16 ? 0xFFFFu : (1u << width) - 1; }

int t2i_vector_has_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma") ? 1 : 0;
}

size_t t2i_gemm_packed_count(int m, int k) {
    return (size_t)((m + 15) / 16) * (size_t)(k > 0 ? k : 0) * 16;
}

// A block of up to 16 × 16 transposed in registers (unpack, then 32-bit and 128-bit shuffles):
// out[p·ldo + r] = in[r·lda + p] for r < rows, p < width. `pad`: lanes r ≥ rows of each output
// row are written as 0 (a packed panel); otherwise they are left alone.
__attribute__((target("avx512f"))) static void transpose_block_avx512(const float *in, ptrdiff_t lda, int rows, int width,
                                                                      float *out, ptrdiff_t ldo, int pad) {
    const __mmask16 columns = (__mmask16)first_lanes(width), lanes = pad ? 0xFFFF : (__mmask16)first_lanes(rows);
    __m512 r[16], t[16], u[16];
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(columns, in + (ptrdiff_t)i * lda) : _mm512_setzero_ps();
    // t: per 128-bit lane, rows 2i and 2i+1 interleaved (columns 0,1 then 2,3 of the lane)
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4j + e]: per 128-bit lane L, column 4L + e of rows 4j … 4j+3
    for (int j = 0; j < 4; j++) {
        u[4 * j + 0] = _mm512_shuffle_ps(t[4 * j], t[4 * j + 2], 0x44);
        u[4 * j + 1] = _mm512_shuffle_ps(t[4 * j], t[4 * j + 2], 0xEE);
        u[4 * j + 2] = _mm512_shuffle_ps(t[4 * j + 1], t[4 * j + 3], 0x44);
        u[4 * j + 3] = _mm512_shuffle_ps(t[4 * j + 1], t[4 * j + 3], 0xEE);
    }
    // Gather lane L of the four row groups: column 4L + e of all 16 rows.
    for (int e = 0; e < 4; e++) {
        const __m512 v0 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88), v1 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xDD);
        const __m512 v2 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88), v3 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xDD);
        const __m512 column[4] = {_mm512_shuffle_f32x4(v0, v2, 0x88), _mm512_shuffle_f32x4(v1, v3, 0x88),
                                  _mm512_shuffle_f32x4(v0, v2, 0xDD), _mm512_shuffle_f32x4(v1, v3, 0xDD)};
        for (int lane = 0; lane < 4; lane++) {
            const int p = 4 * lane + e;
            if (p < width) _mm512_mask_storeu_ps(out + (ptrdiff_t)p * ldo, lanes, column[lane]);
        }
    }
}

void t2i_transpose(const float *x, ptrdiff_t ldx, int rows, int columns, float *out, ptrdiff_t ldo) {
    const int avx512 = t2i_vector_has_avx512();  // the same bits either way: a copy
    for (int i0 = 0; i0 < rows; i0 += 16) {
        const int height = rows - i0 < 16 ? rows - i0 : 16;
        for (int j0 = 0; j0 < columns; j0 += 16) {
            const int width = columns - j0 < 16 ? columns - j0 : 16;
            const float *in = x + (ptrdiff_t)i0 * ldx + j0;
            float *to = out + (ptrdiff_t)j0 * ldo + i0;
            if (avx512) {
                transpose_block_avx512(in, ldx, height, width, to, ldo, 0);
                continue;
            }
            for (int j = 0; j < width; j++) {
                for (int i = 0; i < height; i++) to[(ptrdiff_t)j * ldo + i] = in[(ptrdiff_t)i * ldx + j];
            }
        }
    }
}

void t2i_gemm_pack_a(const float *a, ptrdiff_t lda, int transposed, int m, int k, float *packed) {
    // packed: (panels, k, 16); packed[(panel·k + p)·16 + r] = A[panel·16 + r][p], 0 past row m.
    const int avx512 = t2i_vector_has_avx512();  // the same bits either way: a copy
    const int panels = (m + 15) / 16;
    if (transposed) {
        // A[i][p] = a[p·lda + i]: each panel's 16 values of a p are contiguous in a, so a is read
        // row by row, in order, into every panel at once. (Panel by panel, a's rows were read with a
        // stride of lda floats, each page touched a few times: 2.6× slower at m 512, 5× at 384.)
        for (int p = 0; p < k; p++) {
            const float *in = a + (ptrdiff_t)p * lda;
            for (int panel = 0; panel < panels; panel++) {
                const int first = panel * 16, rows = m - first < 16 ? m - first : 16;
                float *line = packed + ((size_t)panel * k + p) * 16;
                for (int r = 0; r < rows; r++) line[r] = in[first + r];
                for (int r = rows; r < 16; r++) line[r] = 0;
            }
        }
        return;
    }
    for (int panel = 0; panel < panels; panel++) {
        float *out = packed + (size_t)panel * k * 16;
        const int first = panel * 16, rows = m - first < 16 ? m - first : 16;
        // A[i][p] = a[i·lda + p]: 16 × 16 blocks, each read row by row and written column by column.
        if (avx512) {
            for (int p0 = 0; p0 < k; p0 += 16) {
                transpose_block_avx512(a + (ptrdiff_t)first * lda + p0, lda, rows, k - p0 < 16 ? k - p0 : 16,
                                       out + (size_t)p0 * 16, 16, 1);
            }
            continue;
        }
        for (int p0 = 0; p0 < k; p0 += 16) {
            const int width = k - p0 < 16 ? k - p0 : 16;
            for (int r = 0; r < 16; r++) {
                float *column = out + (size_t)p0 * 16 + r;
                if (r >= rows) {
                    for (int p = 0; p < width; p++) column[p * 16] = 0;
                } else {
                    const float *in = a + (ptrdiff_t)(first + r) * lda + p0;
                    for (int p = 0; p < width; p++) column[p * 16] = in[p];
                }
            }
        }
    }
}

void t2i_gemm_packed_row_sums(const float *packed, int m, int k, float *sums) {
    for (int panel = 0; panel < (m + 15) / 16; panel++) {
        const float *in = packed + (size_t)panel * k * 16;
        float total[16] = {0};
        for (int p = 0; p < k; p++) {
            for (int r = 0; r < 16; r++) total[r] += in[(size_t)p * 16 + r];
        }
        const int first = panel * 16, rows = m - first < 16 ? m - first : 16;
        for (int r = 0; r < rows; r++) sums[first + r] += total[r];
    }
}

void t2i_gemm_packed_scalar(const float *packed, int m, int k, const float *b, ptrdiff_t ldb, int n,
                            float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    for (int i = 0; i < m; i++) {
        const float *a = packed_row(packed, k, i);
        for (int j = 0; j < n; j++) {
            float total = 0;
            for (int p = 0; p < k; p++) total = fmaf(a[p * 16], b[(ptrdiff_t)p * ldb + j], total);
            float *out = c + (ptrdiff_t)i * ldc + j;
            *out = accumulate ? *out + total : bias ? bias[j] + total : total;
        }
    }
}

// ---- AVX-512: a 16×16 tile, one vector of 16 columns per row of A's panel.
#define TARGET512 __attribute__((target("avx512f")))
// c_r += a[r]·x for the 16 rows of a panel (accumulators c0 … c15).
#define FMA16(x) do { \
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(a[0]), x, c0); c1 = _mm512_fmadd_ps(_mm512_set1_ps(a[1]), x, c1); \
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(a[2]), x, c2); c3 = _mm512_fmadd_ps(_mm512_set1_ps(a[3]), x, c3); \
        c4 = _mm512_fmadd_ps(_mm512_set1_ps(a[4]), x, c4); c5 = _mm512_fmadd_ps(_mm512_set1_ps(a[5]), x, c5); \
        c6 = _mm512_fmadd_ps(_mm512_set1_ps(a[6]), x, c6); c7 = _mm512_fmadd_ps(_mm512_set1_ps(a[7]), x, c7); \
        c8 = _mm512_fmadd_ps(_mm512_set1_ps(a[8]), x, c8); c9 = _mm512_fmadd_ps(_mm512_set1_ps(a[9]), x, c9); \
        c10 = _mm512_fmadd_ps(_mm512_set1_ps(a[10]), x, c10); c11 = _mm512_fmadd_ps(_mm512_set1_ps(a[11]), x, c11); \
        c12 = _mm512_fmadd_ps(_mm512_set1_ps(a[12]), x, c12); c13 = _mm512_fmadd_ps(_mm512_set1_ps(a[13]), x, c13); \
        c14 = _mm512_fmadd_ps(_mm512_set1_ps(a[14]), x, c14); c15 = _mm512_fmadd_ps(_mm512_set1_ps(a[15]), x, c15); \
    } while (0)
// c_r += a[r]·x and d_r += a[r]·y for 8 rows (accumulators c0 … c7, d0 … d7).
#define FMA8X2(x, y) do { \
        __m512 s_; \
        s_ = _mm512_set1_ps(a[0]); c0 = _mm512_fmadd_ps(s_, x, c0); d0 = _mm512_fmadd_ps(s_, y, d0); \
        s_ = _mm512_set1_ps(a[1]); c1 = _mm512_fmadd_ps(s_, x, c1); d1 = _mm512_fmadd_ps(s_, y, d1); \
        s_ = _mm512_set1_ps(a[2]); c2 = _mm512_fmadd_ps(s_, x, c2); d2 = _mm512_fmadd_ps(s_, y, d2); \
        s_ = _mm512_set1_ps(a[3]); c3 = _mm512_fmadd_ps(s_, x, c3); d3 = _mm512_fmadd_ps(s_, y, d3); \
        s_ = _mm512_set1_ps(a[4]); c4 = _mm512_fmadd_ps(s_, x, c4); d4 = _mm512_fmadd_ps(s_, y, d4); \
        s_ = _mm512_set1_ps(a[5]); c5 = _mm512_fmadd_ps(s_, x, c5); d5 = _mm512_fmadd_ps(s_, y, d5); \
        s_ = _mm512_set1_ps(a[6]); c6 = _mm512_fmadd_ps(s_, x, c6); d6 = _mm512_fmadd_ps(s_, y, d6); \
        s_ = _mm512_set1_ps(a[7]); c7 = _mm512_fmadd_ps(s_, x, c7); d7 = _mm512_fmadd_ps(s_, y, d7); \
    } while (0)

// Rows 0 … rows−1 of a tile's sums into C's `columns` lanes: C + sum (accumulate), bias + sum,
// or the sum — one rounding each.
__attribute__((always_inline)) TARGET512 static inline void store_columns_avx512(const __m512 *out, int rows, __mmask16 columns,
                                                                               float *c, ptrdiff_t ldc, int accumulate,
                                                                               const float *bias) {
    const __m512 start = bias ? _mm512_maskz_loadu_ps(columns, bias) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        float *row = c + (ptrdiff_t)r * ldc;
        _mm512_mask_storeu_ps(row, columns, accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(columns, row), out[r])
                                            : bias ? _mm512_add_ps(start, out[r]) : out[r]);
    }
}

TARGET512 static void tile_avx512(const float *a, int k, const float *b, ptrdiff_t ldb, __mmask16 columns,
                                  int rows, float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m512 c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
    for (int p = 0; p < k; p++, a += 16) {
        const __m512 x = _mm512_maskz_loadu_ps(columns, b + (ptrdiff_t)p * ldb);
        FMA16(x);
    }
    const __m512 out[16] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15};
    store_columns_avx512(out, rows, columns, c, ldc, accumulate, bias);
}

// 8 rows × 32 columns: two vectors of B per p serve 16 multiply-adds (the 16×16 tile loads 17
// values for 16), where B is wide enough. Row r's A value at p is rows[r][p·step]: a packed half
// panel (rows r of one base, step 16) or A in place (8 row pointers, step 1) — one body, so the
// same chains and bits.
__attribute__((always_inline)) TARGET512 static inline void tile8x32_body(const float *const rows[8], ptrdiff_t step, int k,
                                                                        const float *b, ptrdiff_t ldb, int height, float *c,
                                                                        ptrdiff_t ldc, int accumulate, const float *bias) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m512 d0 = c0, d1 = c0, d2 = c0, d3 = c0, d4 = c0, d5 = c0, d6 = c0, d7 = c0;
    for (int p = 0; p < k; p++) {
        const ptrdiff_t at = (ptrdiff_t)p * step;
        const float a[8] = {rows[0][at], rows[1][at], rows[2][at], rows[3][at], rows[4][at], rows[5][at], rows[6][at], rows[7][at]};
        const __m512 x = _mm512_loadu_ps(b + (ptrdiff_t)p * ldb);
        const __m512 y = _mm512_loadu_ps(b + (ptrdiff_t)p * ldb + 16);
        FMA8X2(x, y);
    }
    const __m512 left[8] = {c0, c1, c2, c3, c4, c5, c6, c7}, right[8] = {d0, d1, d2, d3, d4, d5, d6, d7};
    const __m512 startLeft = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
    const __m512 startRight = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < height; r++) {
        float *row = c + (ptrdiff_t)r * ldc;
        _mm512_storeu_ps(row, accumulate ? _mm512_add_ps(_mm512_loadu_ps(row), left[r])
                              : bias ? _mm512_add_ps(startLeft, left[r]) : left[r]);
        _mm512_storeu_ps(row + 16, accumulate ? _mm512_add_ps(_mm512_loadu_ps(row + 16), right[r])
                                   : bias ? _mm512_add_ps(startRight, right[r]) : right[r]);
    }
}

// Half a packed panel: its rows r at a + r, 16 floats per p.
TARGET512 static void tile8x32_avx512(const float *a, int k, const float *b, ptrdiff_t ldb, int rows, float *c,
                                      ptrdiff_t ldc, int accumulate, const float *bias) {
    const float *const half[8] = {a, a + 1, a + 2, a + 3, a + 4, a + 5, a + 6, a + 7};
    tile8x32_body(half, 16, k, b, ldb, rows, c, ldc, accumulate, bias);
}

TARGET512 void t2i_gemm_packed_avx512(const float *packed, int m, int k, const float *b, ptrdiff_t ldb, int n,
                                      float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    // For each 32-column strip of B (k × 32, reused by every panel), each half panel of A.
    int j = 0;
    for (; j + 32 <= n; j += 32) {
        for (int i = 0; i < m; i += 8) {
            tile8x32_avx512(packed_row(packed, k, i), k, b + j, ldb, m - i < 8 ? m - i : 8,
                            c + (ptrdiff_t)i * ldc + j, ldc, accumulate, bias ? bias + j : NULL);
        }
    }
    // The rest in 16-column strips, each panel of A.
    for (; j < n; j += 16) {
        const int width = n - j < 16 ? n - j : 16;
        const __mmask16 columns = (__mmask16)first_lanes(width);
        for (int i = 0; i < m; i += 16) {
            tile_avx512(packed_row(packed, k, i), k, b + j, ldb, columns, m - i < 16 ? m - i : 16,
                        c + (ptrdiff_t)i * ldc + j, ldc, accumulate, bias ? bias + j : NULL);
        }
    }
}

// ---- AVX-512 with A read in place (row-major, row stride lda), not packed: the same tiles and
// chains as `t2i_gemm_packed_avx512`, so the same bits. Each multiply-add's A value is broadcast
// from its row: eight row streams, which the loads overlap with the multiply-adds, where packing
// was a pass of its own over A (its first touch: 5 % of the CLIP step in `transpose_block`).
// A tile of fewer than 8 rows reads row 0 in place of the missing ones and stores only its rows.

// The 8 rows of a tile: rows past `rows` alias row 0 (computed, never stored).
#define TILE_ROWS(a, lda, rows) \
    const float *const row_[8] = {(a), (a) + ((rows) > 1 ? (lda) : 0), (a) + ((rows) > 2 ? 2 * (lda) : 0), \
                                  (a) + ((rows) > 3 ? 3 * (lda) : 0), (a) + ((rows) > 4 ? 4 * (lda) : 0), \
                                  (a) + ((rows) > 5 ? 5 * (lda) : 0), (a) + ((rows) > 6 ? 6 * (lda) : 0), \
                                  (a) + ((rows) > 7 ? 7 * (lda) : 0)}

TARGET512 static void tile8x32_rows_avx512(const float *a, ptrdiff_t lda, int k, const float *b, ptrdiff_t ldb,
                                           int rows, float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    TILE_ROWS(a, lda, rows);
    tile8x32_body(row_, 1, k, b, ldb, rows, c, ldc, accumulate, bias);
}

// 8 rows × up to 16 columns (`columns`: their lanes): the strips left of a multiple of 32.
TARGET512 static void tile8x16_rows_avx512(const float *a_in, ptrdiff_t lda, int k, const float *b, ptrdiff_t ldb,
                                           __mmask16 columns, int rows, float *c, ptrdiff_t ldc, int accumulate,
                                           const float *bias) {
    TILE_ROWS(a_in, lda, rows);
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (int p = 0; p < k; p++) {
        const float a[8] = {row_[0][p], row_[1][p], row_[2][p], row_[3][p], row_[4][p], row_[5][p], row_[6][p], row_[7][p]};
        const __m512 x = _mm512_maskz_loadu_ps(columns, b + (ptrdiff_t)p * ldb);
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(a[0]), x, c0); c1 = _mm512_fmadd_ps(_mm512_set1_ps(a[1]), x, c1);
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(a[2]), x, c2); c3 = _mm512_fmadd_ps(_mm512_set1_ps(a[3]), x, c3);
        c4 = _mm512_fmadd_ps(_mm512_set1_ps(a[4]), x, c4); c5 = _mm512_fmadd_ps(_mm512_set1_ps(a[5]), x, c5);
        c6 = _mm512_fmadd_ps(_mm512_set1_ps(a[6]), x, c6); c7 = _mm512_fmadd_ps(_mm512_set1_ps(a[7]), x, c7);
    }
    const __m512 out[8] = {c0, c1, c2, c3, c4, c5, c6, c7};
    store_columns_avx512(out, rows, columns, c, ldc, accumulate, bias);
}
#undef TILE_ROWS

TARGET512 void t2i_gemm_rows_avx512(const float *a, ptrdiff_t lda, int m, int k, const float *b, ptrdiff_t ldb, int n,
                                    float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    // B in panels of whole 32-column strips holding at most 64K floats (k × columns: L2), and for
    // each panel every 8 rows of A (in L1 across the panel's strips): with the strips outermost, a
    // block of A and a strip of B no longer fitted L1 together at k 128 (fc1's forward, A streamed
    // from memory, in a C harness: 80 → 91 GFLOP/s; A in L3: 80 → 98). Then the rest of the last
    // panel in 16-column strips.
    const int panel = k > 0 && (1 << 16) / k >= 64 ? (1 << 16) / k / 32 * 32 : 32;
    for (int j0 = 0; j0 < n; j0 += panel) {
        const int end = n - j0 < panel ? n : j0 + panel;
        for (int i = 0; i < m; i += 8) {
            const float *rows = a + (ptrdiff_t)i * lda;
            const int height = m - i < 8 ? m - i : 8;
            int j = j0;
            for (; j + 32 <= end; j += 32) {
                tile8x32_rows_avx512(rows, lda, k, b + j, ldb, height, c + (ptrdiff_t)i * ldc + j, ldc, accumulate,
                                     bias ? bias + j : NULL);
            }
            for (; j < end; j += 16) {
                tile8x16_rows_avx512(rows, lda, k, b + j, ldb, (__mmask16)first_lanes(end - j), height,
                                     c + (ptrdiff_t)i * ldc + j, ldc, accumulate, bias ? bias + j : NULL);
            }
        }
    }
}

// ---- AVX2 + FMA: an 8×8 tile (half a panel, 8 columns), the same chains.
#define TARGET256 __attribute__((target("avx2,fma")))
// c_r += a[r]·x for 8 rows (accumulators c0 … c7).
#define FMA8_256(x) do { \
        c0 = _mm256_fmadd_ps(_mm256_set1_ps(a[0]), x, c0); c1 = _mm256_fmadd_ps(_mm256_set1_ps(a[1]), x, c1); \
        c2 = _mm256_fmadd_ps(_mm256_set1_ps(a[2]), x, c2); c3 = _mm256_fmadd_ps(_mm256_set1_ps(a[3]), x, c3); \
        c4 = _mm256_fmadd_ps(_mm256_set1_ps(a[4]), x, c4); c5 = _mm256_fmadd_ps(_mm256_set1_ps(a[5]), x, c5); \
        c6 = _mm256_fmadd_ps(_mm256_set1_ps(a[6]), x, c6); c7 = _mm256_fmadd_ps(_mm256_set1_ps(a[7]), x, c7); \
    } while (0)

// The lanes of an AVX2 vector whose bit is set in `bits` (a maskload/maskstore mask).
TARGET256 static __m256i lane_mask_avx2(unsigned bits) {
    const __m256i lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), lanes), lanes);
}

TARGET256 static void tile_avx2(const float *a, int k, const float *b, ptrdiff_t ldb, int width, int rows,
                                float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    // a: 8 rows of a panel (stride 16 per p)
    const __m256i mask = lane_mask_avx2(first_lanes(width));
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (int p = 0; p < k; p++, a += 16) {
        const __m256 x = _mm256_maskload_ps(b + (ptrdiff_t)p * ldb, mask);
        FMA8_256(x);
    }
    const __m256 out[8] = {c0, c1, c2, c3, c4, c5, c6, c7};
    const __m256 start = bias ? _mm256_maskload_ps(bias, mask) : _mm256_setzero_ps();
    for (int r = 0; r < rows; r++) {
        float *row = c + (ptrdiff_t)r * ldc;
        _mm256_maskstore_ps(row, mask, accumulate ? _mm256_add_ps(_mm256_maskload_ps(row, mask), out[r])
                                       : bias ? _mm256_add_ps(start, out[r]) : out[r]);
    }
}

TARGET256 void t2i_gemm_packed_avx2(const float *packed, int m, int k, const float *b, ptrdiff_t ldb, int n,
                                    float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    for (int j = 0; j < n; j += 8) {
        const int width = n - j < 8 ? n - j : 8;
        for (int i = 0; i < m; i += 8) {
            tile_avx2(packed_row(packed, k, i), k, b + j, ldb, width, m - i < 8 ? m - i : 8,
                      c + (ptrdiff_t)i * ldc + j, ldc, accumulate, bias ? bias + j : NULL);
        }
    }
}

// ---- The same product with B = the columns of a stride-1 "same" convolution, read from the image.
//
// Column q = oh·W + ow of im2col's matrix holds, in row p = (c·KH + i)·KW + j, the input
// x[c][oh + i − padH][ow + j − padW], or 0 outside the image: x_c[q + s] with s = (i − padH)·W +
// (j − padW) wherever that position is inside the image. So a vector of 16 consecutive columns
// is one masked load at a shift of the plane, the mask depending only on the columns and the tap:
// no columns are written, and the chain of each output is the one `t2i_gemm_packed_*` would run on
// im2col's matrix (a masked lane is a 0 there too), bit for bit.

// The shift of tap t (row t / kw, column t % kw of the kernel) within an image plane of width w.
static inline ptrdiff_t tap_shift(int t, int kw, int w, int padH, int padW) {
    return (ptrdiff_t)(t / kw - padH) * w + (t % kw - padW);
}

// Lanes q = first + l (l < 16, q < end) whose tap (i, j) falls inside the image.
static unsigned tap_lanes(int first, int end, int i, int j, int h, int w, int padH, int padW, int lanes) {
    unsigned mask = 0;
    for (int l = 0; l < lanes; l++) {
        const int q = first + l;
        if (q >= end) break;
        const int ih = q / w + i - padH, iw = q % w + j - padW;
        if (ih >= 0 && ih < h && iw >= 0 && iw < w) mask |= 1u << l;
    }
    return mask;
}

void t2i_conv_same_scalar(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                          const float *x, int h, int w, int first, int count, float *y, ptrdiff_t ldy) {
    const int k = cin * kh * kw;
    for (int o = 0; o < cout; o++) {
        const float *a = packed_row(packed, k, o);
        for (int q = first; q < first + count; q++) {
            const int oh = q / w, ow = q % w;
            float total = 0;
            int p = 0;
            for (int c = 0; c < cin; c++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++, p++) {
                        const int ih = oh + i - padH, iw = ow + j - padW;
                        const float v = ih >= 0 && ih < h && iw >= 0 && iw < w ? x[((size_t)c * h + ih) * w + iw] : 0;
                        total = fmaf(a[p * 16], v, total);
                    }
                }
            }
            y[(ptrdiff_t)o * ldy + (q - first)] = total;
        }
    }
}

/// Most taps (KH·KW) the vector paths take; larger kernels go through im2col.
#define T2I_MAX_TAPS 49

int t2i_conv_same_max_taps(void) { return T2I_MAX_TAPS; }

// 16 rows × 16 columns from the image.
TARGET512 static void conv_tile_avx512(const float *a, int cin, int taps, const ptrdiff_t *shift, const __mmask16 *mask,
                                       const float *x, size_t hw, int rows, __mmask16 columns, float *y, ptrdiff_t ldy) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m512 c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
    for (int c = 0; c < cin; c++) {
        const float *plane = x + c * hw;
        for (int t = 0; t < taps; t++, a += 16) {
            const __m512 v = _mm512_maskz_loadu_ps(mask[t], plane + shift[t]);
            FMA16(v);
        }
    }
    const __m512 out[16] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15};
    for (int r = 0; r < rows; r++) _mm512_mask_storeu_ps(y + (ptrdiff_t)r * ldy, columns, out[r]);
}

// 8 rows × 32 columns from the image (two masked loads per tap serve 16 multiply-adds): the left
// 16 columns from planes at x0 (lanes `left[t]`), the right 16 from planes at x1 (`right[t]`),
// stored to y0 and y1 under `columns`. x1 = x0 + 16, y1 = y0 + 16 for 32 positions of one image;
// two images of ≤ 16 positions for `t2i_conv_same_pair_avx512`.
TARGET512 static void conv_tile8x32_avx512(const float *a, int cin, int taps, const ptrdiff_t *shift,
                                           const __mmask16 *left, const __mmask16 *right, const float *x0,
                                           const float *x1, size_t hw, int rows, __mmask16 columns, float *y0,
                                           float *y1, ptrdiff_t ldy) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m512 d0 = c0, d1 = c0, d2 = c0, d3 = c0, d4 = c0, d5 = c0, d6 = c0, d7 = c0;
    for (int c = 0; c < cin; c++) {
        const float *plane0 = x0 + c * hw, *plane1 = x1 + c * hw;
        for (int t = 0; t < taps; t++, a += 16) {
            const __m512 u = _mm512_maskz_loadu_ps(left[t], plane0 + shift[t]);
            const __m512 v = _mm512_maskz_loadu_ps(right[t], plane1 + shift[t]);
            FMA8X2(u, v);
        }
    }
    const __m512 l[8] = {c0, c1, c2, c3, c4, c5, c6, c7}, r8[8] = {d0, d1, d2, d3, d4, d5, d6, d7};
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(y0 + (ptrdiff_t)r * ldy, columns, l[r]);
        _mm512_mask_storeu_ps(y1 + (ptrdiff_t)r * ldy, columns, r8[r]);
    }
}

TARGET512 void t2i_conv_same_avx512(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                                    const float *x, int h, int w, int first, int count, float *y, ptrdiff_t ldy) {
    const int taps = kh * kw, k = cin * taps, end = first + count;
    const size_t hw = (size_t)h * w;
    ptrdiff_t shift[T2I_MAX_TAPS];
    __mmask16 left[T2I_MAX_TAPS], right[T2I_MAX_TAPS];
    int q = first;
    for (; q + 32 <= end; q += 32) {
        for (int t = 0; t < taps; t++) {
            shift[t] = q + tap_shift(t, kw, w, padH, padW);
            left[t] = (__mmask16)tap_lanes(q, end, t / kw, t % kw, h, w, padH, padW, 16);
            right[t] = (__mmask16)tap_lanes(q + 16, end, t / kw, t % kw, h, w, padH, padW, 16);
        }
        for (int i = 0; i < cout; i += 8) {
            float *out = y + (ptrdiff_t)i * ldy + (q - first);
            conv_tile8x32_avx512(packed_row(packed, k, i), cin, taps, shift, left, right, x, x + 16,
                                 hw, cout - i < 8 ? cout - i : 8, 0xFFFF, out, out + 16, ldy);
        }
    }
    for (; q < end; q += 16) {
        const int width = end - q < 16 ? end - q : 16;
        const __mmask16 columns = (__mmask16)first_lanes(width);
        for (int t = 0; t < taps; t++) {
            shift[t] = q + tap_shift(t, kw, w, padH, padW);
            left[t] = (__mmask16)tap_lanes(q, end, t / kw, t % kw, h, w, padH, padW, 16);
        }
        for (int i = 0; i < cout; i += 16) {
            conv_tile_avx512(packed_row(packed, k, i), cin, taps, shift, left, x, hw, cout - i < 16 ? cout - i : 16,
                             columns, y + (ptrdiff_t)i * ldy + (q - first), ldy);
        }
    }
}

// AVX2: 8 rows × 8 columns.
TARGET256 static void conv_tile_avx2(const float *a, int cin, int taps, const ptrdiff_t *shift, const __m256i *mask,
                                     const float *x, size_t hw, int rows, __m256i columns, float *y, ptrdiff_t ldy) {
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (int c = 0; c < cin; c++) {
        const float *plane = x + c * hw;
        for (int t = 0; t < taps; t++, a += 16) {
            const __m256 v = _mm256_maskload_ps(plane + shift[t], mask[t]);
            FMA8_256(v);
        }
    }
    const __m256 out[8] = {c0, c1, c2, c3, c4, c5, c6, c7};
    for (int r = 0; r < rows; r++) _mm256_maskstore_ps(y + (ptrdiff_t)r * ldy, columns, out[r]);
}

TARGET256 void t2i_conv_same_avx2(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                                  const float *x, int h, int w, int first, int count, float *y, ptrdiff_t ldy) {
    const int taps = kh * kw, k = cin * taps, end = first + count;
    const size_t hw = (size_t)h * w;
    ptrdiff_t shift[T2I_MAX_TAPS];
    __m256i mask[T2I_MAX_TAPS];
    for (int q = first; q < end; q += 8) {
        const int width = end - q < 8 ? end - q : 8;
        for (int t = 0; t < taps; t++) {
            shift[t] = q + tap_shift(t, kw, w, padH, padW);
            mask[t] = lane_mask_avx2(tap_lanes(q, end, t / kw, t % kw, h, w, padH, padW, 8));
        }
        const __m256i columns = lane_mask_avx2(first_lanes(width));
        for (int i = 0; i < cout; i += 8) {
            conv_tile_avx2(packed_row(packed, k, i), cin, taps, shift, mask, x, hw,
                           cout - i < 8 ? cout - i : 8, columns, y + (ptrdiff_t)i * ldy + (q - first), ldy);
        }
    }
}

// Two images of at most 16 positions each (4×4 and smaller), side by side in the 8×32 tile: at
// 4×4 the 16×16 tile ran at about half the rate of the 8×32 one (`t2i bench generate`).
TARGET512 void t2i_conv_same_pair_avx512(const float *packed, int cout, int cin, int kh, int kw, int padH, int padW,
                                         const float *x0, const float *x1, int h, int w, float *y0, float *y1,
                                         ptrdiff_t ldy) {
    const int taps = kh * kw, k = cin * taps, hw = h * w;
    ptrdiff_t shift[T2I_MAX_TAPS];
    __mmask16 mask[T2I_MAX_TAPS];
    for (int t = 0; t < taps; t++) {
        shift[t] = tap_shift(t, kw, w, padH, padW);
        mask[t] = (__mmask16)tap_lanes(0, hw, t / kw, t % kw, h, w, padH, padW, 16);
    }
    const __mmask16 columns = (__mmask16)first_lanes(hw);
    for (int i = 0; i < cout; i += 8) {
        conv_tile8x32_avx512(packed_row(packed, k, i), cin, taps, shift, mask, mask, x0, x1,
                             (size_t)hw, cout - i < 8 ? cout - i : 8, columns, y0 + (ptrdiff_t)i * ldy,
                             y1 + (ptrdiff_t)i * ldy, ldy);
    }
}

// ---- col2im of a stride-1 "same" convolution's backward, gathered: each input position sums its
// taps in registers instead of one read-modify-write pass over the plane per tap.
//
// cols row (c·KH + a)·KW + b holds, at (r − row_first)·W + q, the term for x[c][r − padH + a][q −
// padW + b] (output rows r of [row_first, row_first + row_count), columns q < W). Input position
// p = i·W + j gets, from tap (a, b), the entry at p − row_first·W + (padH − a)·W + (padW − b),
// where r = i + padH − a lies in the row range and q = j + padW − b in [0, W). The taps are added
// to dx in (a, b) order, as the scatter adds them, skipping the invalid ones.
TARGET512 void t2i_col2im_same_avx512(const float *cols, ptrdiff_t ld, int cin, int kh, int kw, int padH, int padW,
                                      int h, int w, int row_first, int row_count, float *dx) {
    if (row_count <= 0) return;
    int i_lo = row_first - padH, i_hi = row_first + row_count - 1 - padH + kh - 1;  // input rows touched
    if (i_lo < 0) i_lo = 0;
    if (i_hi > h - 1) i_hi = h - 1;
    if (i_lo > i_hi) return;
    const int p_lo = i_lo * w, p_hi = (i_hi + 1) * w;
    for (int p0 = p_lo; p0 < p_hi; p0 += 16) {
        const int width = p_hi - p0 < 16 ? p_hi - p0 : 16;
        const __mmask16 inside = (__mmask16)first_lanes(width);
        // Row and column of each lane's input position.
        int is[16], js[16];
        for (int l = 0; l < 16; l++) { is[l] = (p0 + l) / w; js[l] = (p0 + l) % w; }
        const __m512i iv = _mm512_loadu_si512(is), jv = _mm512_loadu_si512(js);
        for (int c = 0; c < cin; c++) {
            float *plane = dx + (ptrdiff_t)c * h * w;
            __m512 acc = _mm512_maskz_loadu_ps(inside, plane + p0);
            for (int a = 0; a < kh; a++) {
                // r − row_first = i + padH − a − row_first in [0, row_count)
                const __m512i r = _mm512_sub_epi32(iv, _mm512_set1_epi32(row_first - padH + a));
                const __mmask16 rows_ok = _mm512_cmplt_epu32_mask(r, _mm512_set1_epi32(row_count));
                for (int b = 0; b < kw; b++) {
                    const __m512i q = _mm512_add_epi32(jv, _mm512_set1_epi32(padW - b));
                    const __mmask16 ok = inside & rows_ok & _mm512_cmplt_epu32_mask(q, _mm512_set1_epi32(w));
                    const float *row = cols + ((ptrdiff_t)(c * kh + a) * kw + b) * ld;
                    const ptrdiff_t offset = (ptrdiff_t)p0 - (ptrdiff_t)row_first * w + (ptrdiff_t)(padH - a) * w + (padW - b);
                    acc = _mm512_mask_add_ps(acc, ok, acc, _mm512_maskz_loadu_ps(ok, row + offset));
                }
            }
            _mm512_mask_storeu_ps(plane + p0, inside, acc);
        }
    }
}

// ---- The weight gradient of a stride-1 "same" 3×3 convolution, read from the images: dw[o][c][t]
// += Σ over the images and positions q of dy[o][q]·x[c][q + shift(t)] (0 where tap t of q falls
// outside the image). No columns are written: each vector of 16 positions of x is one masked load
// at the tap's shift, and three output channels share it (27 accumulators: 3 channels × 9 taps).
// Every dw term is summed lane-wise over the images in order and their positions in order, then
// across the lanes by `_mm512_reduce_add_ps`, and added to dw: a fixed order, so the result does
// not depend on threads.
#define T2I_WG_TAPS 9
// Masks per chunk of 16 positions: the 9 taps' lanes inside the image, then the lanes inside the plane.
#define T2I_WG_MASKS (T2I_WG_TAPS + 1)

#define T2I_WG_KERNEL(G) \
TARGET512 static void weight_grad_same##G(const float *x, const float *dy, int images, int cin, int cout, int o, \
                                          int c, int hw, int chunks, const ptrdiff_t *shift, \
                                          const __mmask16 *lane_masks, float *dw) { \
    __m512 acc[G][T2I_WG_TAPS]; \
    for (int g = 0; g < (G); g++) for (int t = 0; t < T2I_WG_TAPS; t++) acc[g][t] = _mm512_setzero_ps(); \
    for (int image = 0; image < images; image++) { \
        const float *plane = x + ((size_t)image * cin + c) * hw; \
        const float *grad = dy + ((size_t)image * cout + o) * hw; \
        const __mmask16 *masks = lane_masks; \
        for (int q = 0; q < chunks * 16; q += 16, masks += T2I_WG_MASKS) { \
            __m512 d[G]; \
            for (int g = 0; g < (G); g++) d[g] = _mm512_maskz_loadu_ps(masks[T2I_WG_TAPS], grad + (size_t)g * hw + q); \
            for (int t = 0; t < T2I_WG_TAPS; t++) { \
                const __m512 v = _mm512_maskz_loadu_ps(masks[t], plane + q + shift[t]); \
                for (int g = 0; g < (G); g++) acc[g][t] = _mm512_fmadd_ps(d[g], v, acc[g][t]); \
            } \
        } \
    } \
    for (int g = 0; g < (G); g++) { \
        float *row = dw + ((size_t)(o + g) * cin + c) * T2I_WG_TAPS; \
        for (int t = 0; t < T2I_WG_TAPS; t++) row[t] += _mm512_reduce_add_ps(acc[g][t]); \
    } \
}
T2I_WG_KERNEL(3)
T2I_WG_KERNEL(1)

TARGET512 int t2i_conv_same_weight_grad_avx512(const float *x, const float *dy, int images, int cin, int cout,
                                               int kh, int kw, int padH, int padW, int h, int w, float *dw) {
    if (kh != 3 || kw != 3) return 0;
    const int hw = h * w, chunks = (hw + 15) / 16;
    ptrdiff_t shift[T2I_WG_TAPS];
    for (int t = 0; t < T2I_WG_TAPS; t++) shift[t] = tap_shift(t, kw, w, padH, padW);
    __mmask16 *masks = (__mmask16 *)malloc(sizeof(__mmask16) * (size_t)chunks * T2I_WG_MASKS);
    if (masks == NULL) return 0;
    for (int chunk = 0; chunk < chunks; chunk++) {
        for (int t = 0; t < T2I_WG_TAPS; t++) {
            masks[chunk * T2I_WG_MASKS + t] = (__mmask16)tap_lanes(chunk * 16, hw, t / kw, t % kw, h, w, padH, padW, 16);
        }
        masks[chunk * T2I_WG_MASKS + T2I_WG_TAPS] = (__mmask16)first_lanes(hw - chunk * 16);
    }
    // dw: (cout, cin, 9); three output channels at a time, each input channel in turn.
    int o = 0;
    for (; o + 3 <= cout; o += 3) {
        for (int c = 0; c < cin; c++) weight_grad_same3(x, dy, images, cin, cout, o, c, hw, chunks, shift, masks, dw);
    }
    for (; o < cout; o++) {
        for (int c = 0; c < cin; c++) weight_grad_same1(x, dy, images, cin, cout, o, c, hw, chunks, shift, masks, dw);
    }
    free(masks);
    return 1;
}

// ---- One AdamW step (PyTorch's `_single_tensor_adamw`) in AVX-512, the operations of the CPU
// backend's scalar loop in the same order, none fused (sqrt and division are correctly rounded in
// both), so the same bits: p ·= decay; m += (g − m)·(1 − β₁); v = v·β₂ + ((1 − β₂)·g)·g;
// p −= (stepSize·m) / (√v / bc2 + ε).
TARGET512 void t2i_adamw_avx512(float *p, const float *g, float *m, float *v, ptrdiff_t count, float beta1, float beta2,
                                float eps, float bc2, float decay, float step_size) {
    const __m512 one_b1 = _mm512_set1_ps(1 - beta1), one_b2 = _mm512_set1_ps(1 - beta2), b2 = _mm512_set1_ps(beta2);
    const __m512 e = _mm512_set1_ps(eps), bc = _mm512_set1_ps(bc2), d = _mm512_set1_ps(decay), s = _mm512_set1_ps(step_size);
    for (ptrdiff_t i = 0; i < count; i += 16) {
        const __mmask16 lanes = (__mmask16)first_lanes(count - i < 16 ? (int)(count - i) : 16);
        const __m512 gi = _mm512_maskz_loadu_ps(lanes, g + i);
        const __m512 pi = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, p + i), d);
        __m512 mi = _mm512_maskz_loadu_ps(lanes, m + i);
        mi = _mm512_add_ps(mi, _mm512_mul_ps(_mm512_sub_ps(gi, mi), one_b1));
        __m512 vi = _mm512_maskz_loadu_ps(lanes, v + i);
        vi = _mm512_add_ps(_mm512_mul_ps(vi, b2), _mm512_mul_ps(_mm512_mul_ps(one_b2, gi), gi));
        const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), bc), e);
        _mm512_mask_storeu_ps(p + i, lanes, _mm512_sub_ps(pi, _mm512_div_ps(_mm512_mul_ps(s, mi), denom)));
        _mm512_mask_storeu_ps(m + i, lanes, mi);
        _mm512_mask_storeu_ps(v + i, lanes, vi);
    }
}
