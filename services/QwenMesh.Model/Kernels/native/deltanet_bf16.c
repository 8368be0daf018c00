#include <math.h>
#include "dot_bf16.h"
#include "pool.h"
#include "qm_kernels.h"

typedef struct
{
    const uint16_t *proj, *conv_w, *norm_w;
    int64_t proj_stride, kernel, nk, nv, dk, dv;
    const float *neg_a, *dt_bias;
    uint16_t *conv_state, *out;
    float *state;
    float eps;
    int64_t b;
} deltanet_task;

static inline float silu(float x) { return x / (1.0f + expf(-x)); }

/* torch's softplus defaults: x itself above the threshold 20. */
static inline float softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

/*
 * The conv channels [first, first + count) of one sequence: the window shifts by the new input, the K products
 * are summed in float32 and rounded once to bf16, silu runs in float32 and rounds to bf16 (torch's bf16 ops).
 */
static void conv_channels(const deltanet_task *t, int64_t s, int64_t first, int64_t count, float *activated)
{
    const uint16_t *input = t->proj + s * t->proj_stride;
    int64_t conv_dim = 2 * t->nk * t->dk + t->nv * t->dv, k = t->kernel;
    for (int64_t c = first; c < first + count; c++)
    {
        uint16_t *window = t->conv_state + (s * conv_dim + c) * k;
        const uint16_t *w = t->conv_w + c * k;
        for (int64_t i = 0; i + 1 < k; i++) window[i] = window[i + 1];
        window[k - 1] = input[c];
        float sum = 0.0f;
        for (int64_t i = 0; i < k; i++) sum += bf16_to_float(window[i]) * bf16_to_float(w[i]);
        activated[c - first] = through_bf16(silu(through_bf16(sum)));
    }
}

/* x * rsqrt(sum(x^2) + 1e-6), the reference's fixed epsilon. */
static void l2_normalise(float *x, int64_t n)
{
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += x[i] * x[i];
    float scale = 1.0f / sqrtf(sum + 1e-6f);
    for (int64_t i = 0; i < n; i++) x[i] *= scale;
}

/*
 * One value head's recurrent step. With a = exp(g) and S the state before decay:
 *   k^T S_t = a k^T S,  o = a q^T S + (k . q) delta,  delta = (v - a k^T S) beta,  S_t = a S + k delta^T,
 * so S is read once for both products and read and written once more for the update (in cache: one head is dk x dv).
 */
QM_AVX512_BF16 static void recurrent_step(float *restrict S, const float *restrict q, const float *restrict k,
                                          const float *restrict v, float kq, float decay, float beta, int64_t dk,
                                          int64_t dv, float *restrict o, float *restrict delta)
{
    for (int64_t j = 0; j < dv; j++) o[j] = delta[j] = 0.0f;
    for (int64_t i = 0; i < dk; i++)
    {
        const float *row = S + i * dv;
        float ki = k[i], qi = q[i];
        for (int64_t j = 0; j < dv; j++)
        {
            delta[j] += ki * row[j];
            o[j] += qi * row[j];
        }
    }
    for (int64_t j = 0; j < dv; j++)
    {
        delta[j] = (v[j] - decay * delta[j]) * beta;
        o[j] = decay * o[j] + kq * delta[j];
    }
    for (int64_t i = 0; i < dk; i++)
    {
        float *row = S + i * dv;
        float ki = k[i];
        for (int64_t j = 0; j < dv; j++) row[j] = row[j] * decay + ki * delta[j];
    }
}

/*
 * The gated RMSNorm of one head's output: o rounded to bf16, normalised in float32 and rounded, times the weight
 * in bf16, times silu(z) in float32, rounded once more.
 */
static void gated_norm(const deltanet_task *t, const float *o, const uint16_t *z, uint16_t *out)
{
    int64_t dv = t->dv;
    float sum = 0.0f;
    for (int64_t j = 0; j < dv; j++)
    {
        float c = through_bf16(o[j]);
        sum += c * c;
    }
    float scale = 1.0f / sqrtf(sum / (float)dv + t->eps);
    for (int64_t j = 0; j < dv; j++)
    {
        float normed = through_bf16(through_bf16(o[j]) * scale);
        float scaled = through_bf16(bf16_to_float(t->norm_w[j]) * normed);
        out[j] = float_to_bf16(scaled * silu(bf16_to_float(z[j])));
    }
}

/* One (sequence, key head) pair: its q and k channels and the value heads that read that key head. */
static void deltanet_pair(const deltanet_task *t, int64_t s, int64_t kh)
{
    int64_t nk = t->nk, nv = t->nv, dk = t->dk, dv = t->dv, r = nv / nk;
    int64_t key_dim = nk * dk, value_dim = nv * dv, conv_dim = 2 * key_dim + value_dim;
    float q[dk], k[dk], v[r * dv], o[dv], delta[dv];
    conv_channels(t, s, kh * dk, dk, q);
    conv_channels(t, s, key_dim + kh * dk, dk, k);
    conv_channels(t, s, 2 * key_dim + kh * r * dv, r * dv, v);
    l2_normalise(q, dk);
    l2_normalise(k, dk);
    float scale = (float)sqrt((double)dk), kq = 0.0f;
    for (int64_t i = 0; i < dk; i++)
    {
        q[i] /= scale;
        kq += k[i] * q[i];
    }
    const uint16_t *row = t->proj + s * t->proj_stride;
    for (int64_t j = kh * r; j < (kh + 1) * r; j++)
    {
        float beta = through_bf16(1.0f / (1.0f + expf(-bf16_to_float(row[conv_dim + value_dim + j]))));
        float g = t->neg_a[j] * softplus(bf16_to_float(row[conv_dim + value_dim + nv + j]) + t->dt_bias[j]);
        recurrent_step(t->state + (s * nv + j) * dk * dv, q, k, v + (j - kh * r) * dv, kq, expf(g), beta, dk, dv, o, delta);
        gated_norm(t, o, row + conv_dim + j * dv, t->out + s * value_dim + j * dv);
    }
}

static void deltanet_part(void *context, int part, int parts)
{
    const deltanet_task *t = context;
    int64_t pairs = t->b * t->nk;
    for (int64_t p = pairs * part / parts; p < pairs * (part + 1) / parts; p++) deltanet_pair(t, p / t->nk, p % t->nk);
}

int qm_deltanet_decode_bf16(const uint16_t *proj, int64_t b, int64_t proj_stride, uint16_t *conv_state,
                            const uint16_t *conv_w, int64_t kernel, int64_t nk, int64_t nv, int64_t dk, int64_t dv,
                            const float *neg_a, const float *dt_bias, float *state, const uint16_t *norm_w, float eps,
                            uint16_t *out)
{
    /* The per-pair buffers live on the stack; these bounds are far above any released head size. */
    if (b < 1 || kernel < 1 || nk < 1 || nv < nk || nv % nk != 0 || dk < 1 || dk > 1024 || dv < 1 || dv > 1024
        || (nv / nk) * dv > 16384)
        return 1;
    if (proj_stride < 2 * nk * dk + 2 * nv * dv + 2 * nv) return 1;
    deltanet_task t = {proj, conv_w, norm_w, proj_stride, kernel, nk, nv, dk, dv, neg_a, dt_bias, conv_state, out,
                       state, eps, b};
    qm_pool_run(deltanet_part, &t);
    return 0;
}
