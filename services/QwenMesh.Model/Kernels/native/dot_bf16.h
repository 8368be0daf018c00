/*
 * The one inner loop: a block of up to 4 input rows against 4 weight rows, k bf16 values each, with AVX512-BF16's
 * pairwise dot product (float32 accumulation). Weight rows are read once per block; input rows stay in L1.
 */
#ifndef QM_DOT_BF16_H
#define QM_DOT_BF16_H
#include <immintrin.h>
#include <stdint.h>
#include "bf16.h"

#define QM_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/*
 * sums[i][j] = x[i] . w[j] for i < nx input rows and j < rows weight rows (<= 4; short blocks repeat the last row).
 * nx is a constant at each call site below, so the loops unroll into nx * 4 accumulators: one input row takes 4
 * products per 4 weight loads, which keeps a single-sequence step at memory speed instead of computing 4 copies.
 */
__attribute__((always_inline)) QM_AVX512_BF16 static inline void dot_tile(const uint16_t *const x_rows[4], const int nx,
                                                                          const uint16_t *w, int64_t k, int rows,
                                                                          float sums[4][4])
{
    __m512 acc[4][4];
#pragma GCC unroll 4
    for (int i = 0; i < nx; i++)
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) acc[i][j] = _mm512_setzero_ps();
    const uint16_t *w_rows[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) w_rows[j] = w + (int64_t)(j < rows ? j : rows - 1) * k;
    int64_t c = 0;
    for (; c + 32 <= k; c += 32)
    {
        __m512bh wv[4];
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) wv[j] = (__m512bh)_mm512_loadu_si512(w_rows[j] + c);
#pragma GCC unroll 4
        for (int i = 0; i < nx; i++)
        {
            __m512bh xv = (__m512bh)_mm512_loadu_si512(x_rows[i] + c);
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
        }
    }
    if (c < k)
    {
        __mmask32 mask = (__mmask32)((1ull << (k - c)) - 1);
        __m512bh wv[4];
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) wv[j] = (__m512bh)_mm512_maskz_loadu_epi16(mask, w_rows[j] + c);
#pragma GCC unroll 4
        for (int i = 0; i < nx; i++)
        {
            __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(mask, x_rows[i] + c);
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < nx; i++)
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) sums[i][j] = _mm512_reduce_add_ps(acc[i][j]);
}

/* The tile for nx = 1..4 input rows, each compiled with its own register allocation. */
QM_AVX512_BF16 static inline void dot_block(const uint16_t *const x_rows[4], int nx, const uint16_t *w, int64_t k,
                                            int rows, float sums[4][4])
{
    switch (nx)
    {
    case 1: dot_tile(x_rows, 1, w, k, rows, sums); break;
    case 2: dot_tile(x_rows, 2, w, k, rows, sums); break;
    case 3: dot_tile(x_rows, 3, w, k, rows, sums); break;
    default: dot_tile(x_rows, 4, w, k, rows, sums); break;
    }
}

/* out[i, j] = x[i, :] . w[j, :] for i < m and weight rows j in [first, last), rounded to bf16; out has row stride ld_out. */
QM_AVX512_BF16 static inline void linear_rows(const uint16_t *x, int64_t m, int64_t k, const uint16_t *w,
                                              int64_t first, int64_t last, uint16_t *out, int64_t ld_out)
{
    for (int64_t j0 = first; j0 < last; j0 += 4)
    {
        int rows = (int)(last - j0 < 4 ? last - j0 : 4);
        for (int64_t i0 = 0; i0 < m; i0 += 4)
        {
            int nx = (int)(m - i0 < 4 ? m - i0 : 4);
            const uint16_t *x_rows[4];
            for (int i = 0; i < 4; i++) x_rows[i] = x + (i0 + (i < nx ? i : nx - 1)) * k;
            float sums[4][4];
            dot_block(x_rows, nx, w + j0 * k, k, rows, sums);
            for (int i = 0; i < nx; i++)
                for (int j = 0; j < rows; j++) out[(i0 + i) * ld_out + j0 + j] = float_to_bf16(sums[i][j]);
        }
    }
}

#endif
