#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "dot_bf16.h"
#include "pool.h"
#include "qm_kernels.h"

typedef struct
{
    const uint16_t *q;
    const uint16_t *const *keys, *const *values;
    const int64_t *lengths, *capacities;
    int64_t b, hkv, group, d;
    float scale;
    uint16_t *out;
    _Atomic int failed;
} attention_task;

/* acc[0, d) += p * v[0, d), v in bf16. */
QM_AVX512_BF16 static inline void add_scaled_row(float *acc, float p, const uint16_t *v, int64_t d)
{
    __m512 weight = _mm512_set1_ps(p);
    for (int64_t c = 0; c < d; c += 16)
    {
        __mmask16 mask = d - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (d - c)) - 1);
        __m256i raw = _mm256_maskz_loadu_epi16(mask, v + c);
        __m512 value = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
        __m512 sum = _mm512_maskz_loadu_ps(mask, acc + c);
        _mm512_mask_storeu_ps(acc + c, mask, _mm512_fmadd_ps(weight, value, sum));
    }
}

/*
 * One sequence's query heads that share KV head h, against that head's first L cached keys and values, with
 * torch's rounding: scores q k^T rounded to bf16, scaled and rounded again, softmax in float32 rounded to bf16,
 * and probs V summed in float32, rounded once.
 */
QM_AVX512_BF16 static int attend(const attention_task *t, int64_t s, int64_t h)
{
    int64_t group = t->group, d = t->d, length = t->lengths[s], capacity = t->capacities[s];
    const uint16_t *q = t->q + (s * t->hkv + h) * group * d;
    const uint16_t *keys = t->keys[s] + h * capacity * d, *values = t->values[s] + h * capacity * d;
    uint16_t *scores = malloc(sizeof(uint16_t) * group * length);
    float *probs = malloc(sizeof(float) * group * length), *acc = calloc(group * d, sizeof(float));
    if (!scores || !probs || !acc)
    {
        free(scores);
        free(probs);
        free(acc);
        return 1;
    }
    linear_rows(q, group, d, keys, 0, length, scores, length);
    for (int64_t g = 0; g < group; g++)
    {
        float *p = probs + g * length, max = -INFINITY, sum = 0.0f;
        for (int64_t l = 0; l < length; l++)
        {
            p[l] = through_bf16(bf16_to_float(scores[g * length + l]) * t->scale);
            if (p[l] > max) max = p[l];
        }
        for (int64_t l = 0; l < length; l++) sum += p[l] = expf(p[l] - max);
        for (int64_t l = 0; l < length; l++) p[l] = through_bf16(p[l] / sum);
    }
    for (int64_t l = 0; l < length; l++)
        for (int64_t g = 0; g < group; g++) add_scaled_row(acc + g * d, probs[g * length + l], values + l * d, d);
    uint16_t *out = t->out + (s * t->hkv + h) * group * d;
    for (int64_t i = 0; i < group * d; i++) out[i] = float_to_bf16(acc[i]);
    free(scores);
    free(probs);
    free(acc);
    return 0;
}

static void attention_part(void *context, int part, int parts)
{
    attention_task *t = context;
    int64_t pairs = t->b * t->hkv;
    for (int64_t p = pairs * part / parts; p < pairs * (part + 1) / parts; p++)
        if (attend(t, p / t->hkv, p % t->hkv)) atomic_store(&t->failed, 1);
}

int qm_attention_decode_bf16(const uint16_t *q, int64_t b, int64_t hkv, int64_t group, int64_t d,
                             const uint16_t *const *keys, const uint16_t *const *values, const int64_t *lengths,
                             const int64_t *capacities, float scale, uint16_t *out)
{
    if (b < 1 || hkv < 1 || group < 1 || d < 1) return 1;
    for (int64_t s = 0; s < b; s++)
        if (lengths[s] < 1 || lengths[s] > capacities[s]) return 1;
    attention_task t = {q, keys, values, lengths, capacities, b, hkv, group, d, scale, out, 0};
    qm_pool_run(attention_part, &t);
    return atomic_load(&t.failed) ? 3 : 0;
}
