/*
 * QwenMesh's CPU kernels for decode-sized batches in bfloat16: libtorch repacks a linear's weight into its
 * blocked layout on every call, which triples the memory traffic of a one-row product; these kernels read each
 * weight row once, straight from the checkpoint's [out, in] layout, for all rows of the batch.
 * Every entry point returns 0 on success.
 */
#ifndef QM_KERNELS_H
#define QM_KERNELS_H
#include <stdint.h>

/* Starts the worker threads (threads - 1 of them; the caller is the first). Returns the capability bits below,
 * 0 when this CPU has none of what the kernels need (the caller then keeps libtorch's path). */
#define QM_CAP_AVX512_BF16 1
int qm_init(int threads);

/* out[m, n] = x[m, k] . w[n, k]^T with float32 accumulation, rounded once to bfloat16 (as torch's bf16 linear). */
int qm_linear_bf16(const uint16_t *x, int64_t m, int64_t k, const uint16_t *w, int64_t n, uint16_t *out);

/*
 * The routed experts of one MoE layer for t tokens: token i goes to experts ids[i, 0..topk) with bf16 weights
 * weights[i, ..]. Each expert computes down(silu(gate(x)) * up(x)) over all of its tokens at once, and every
 * token's weighted outputs are added in ascending expert id with bf16 rounding after each step, as the reference.
 * gate_up [experts, 2 inner, h] (gate rows first), down [experts, h, inner]; out [t, h].
 */
int qm_moe_bf16(const uint16_t *x, int64_t t, int64_t h, const int64_t *ids, const uint16_t *weights, int64_t topk,
                const uint16_t *gate_up, const uint16_t *down, int64_t inner, int64_t experts, uint16_t *out);

/*
 * One Gated DeltaNet decode step for b sequences, from in_proj's output to out_proj's input. proj [b, proj_stride]
 * holds each sequence's [q | k | v] conv inputs (nk, nk, nv heads), z (nv * dv), b (nv) and a (nv); conv_state
 * [b, conv_dim, kernel] and state [b, nv, dk, dv] (float32) advance in place; value head j reads key head j / (nv / nk).
 * conv_w [conv_dim, kernel]; neg_a = -exp(A_log), dt_bias [nv] float32; norm_w [dv]; out [b, nv * dv].
 */
int qm_deltanet_decode_bf16(const uint16_t *proj, int64_t b, int64_t proj_stride, uint16_t *conv_state,
                            const uint16_t *conv_w, int64_t kernel, int64_t nk, int64_t nv, int64_t dk, int64_t dv,
                            const float *neg_a, const float *dt_bias, float *state, const uint16_t *norm_w, float eps,
                            uint16_t *out);

/*
 * Decode attention for b sequences, each over its own cache: q [b, hkv * group, d] (query heads that share a KV head
 * are adjacent); sequence s's keys and values are [hkv, capacities[s], d] with the first lengths[s] rows of each head
 * filled (this step's included). out [b, hkv * group, d]. Causal by construction: a cache holds only earlier tokens.
 */
int qm_attention_decode_bf16(const uint16_t *q, int64_t b, int64_t hkv, int64_t group, int64_t d,
                             const uint16_t *const *keys, const uint16_t *const *values, const int64_t *lengths,
                             const int64_t *capacities, float scale, uint16_t *out);

#endif
