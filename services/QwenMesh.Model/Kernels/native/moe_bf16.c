#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "dot_bf16.h"
#include "pool.h"
#include "qm_kernels.h"

typedef struct
{
    const uint16_t *x, *gate_up, *down;
    int64_t h, inner;
    const int64_t *token_of;   /* route position (grouped by expert) -> token */
    const int64_t *group;      /* [experts + 1]: routes of expert e are positions [group[e], group[e + 1]) */
    const int *active;         /* experts with at least one route */
    int active_count;
    int64_t max_rows;
    uint16_t *outputs;         /* [routes, h], by route position */
    _Atomic int next;
    _Atomic int failed;
} moe_task;

/* silu in float32 rounded to bf16, times up rounded to bf16: torch's two bf16 ops. */
static inline uint16_t swiglu(uint16_t gate, uint16_t up)
{
    float g = bf16_to_float(gate);
    float silu = through_bf16(g / (1.0f + expf(-g)));
    return float_to_bf16(silu * bf16_to_float(up));
}

/* Parts take whole experts from a shared counter: an expert's weights are read once, by one thread, for all its tokens. */
QM_AVX512_BF16 static void moe_part(void *context, int part, int parts)
{
    (void)part;
    (void)parts;
    moe_task *t = context;
    int64_t h = t->h, inner = t->inner;
    uint16_t *rows = malloc(sizeof(uint16_t) * t->max_rows * (h + 3 * inner));
    if (!rows)
    {
        atomic_store(&t->failed, 1);
        return;
    }
    uint16_t *gate_up = rows + t->max_rows * h, *act = gate_up + t->max_rows * 2 * inner;
    for (int a; (a = atomic_fetch_add(&t->next, 1)) < t->active_count;)
    {
        int e = t->active[a];
        int64_t first = t->group[e], count = t->group[e + 1] - first;
        for (int64_t r = 0; r < count; r++) memcpy(rows + r * h, t->x + t->token_of[first + r] * h, sizeof(uint16_t) * h);
        linear_rows(rows, count, h, t->gate_up + (int64_t)e * 2 * inner * h, 0, 2 * inner, gate_up, 2 * inner);
        for (int64_t r = 0; r < count; r++)
            for (int64_t d = 0; d < inner; d++)
                act[r * inner + d] = swiglu(gate_up[r * 2 * inner + d], gate_up[r * 2 * inner + inner + d]);
        linear_rows(act, count, inner, t->down + (int64_t)e * h * inner, 0, h, t->outputs + first * h, h);
    }
    free(rows);
}

int qm_moe_bf16(const uint16_t *x, int64_t t, int64_t h, const int64_t *ids, const uint16_t *weights, int64_t topk,
                const uint16_t *gate_up, const uint16_t *down, int64_t inner, int64_t experts, uint16_t *out)
{
    /* A token's routes are ordered on the stack: 64 is far above any released top-k (Qwen3.5 routes 10). */
    if (t < 1 || h < 1 || topk < 1 || topk > 64 || inner < 1 || experts < 1) return 1;
    int64_t routes = t * topk;
    for (int64_t r = 0; r < routes; r++)
        if (ids[r] < 0 || ids[r] >= experts) return 2;
    int64_t *group = calloc(experts + 1, sizeof(int64_t));
    int64_t *token_of = malloc(sizeof(int64_t) * routes), *position = malloc(sizeof(int64_t) * routes);
    int *active = malloc(sizeof(int) * (experts < routes ? experts : routes));
    uint16_t *outputs = malloc(sizeof(uint16_t) * routes * h);
    int status = 3;
    if (!group || !token_of || !position || !active || !outputs) goto done;

    /* Counting sort of the routes by expert, token order kept within an expert (a stable sort). */
    for (int64_t r = 0; r < routes; r++) group[ids[r] + 1]++;
    int active_count = 0;
    int64_t max_rows = 0;
    for (int64_t e = 0; e < experts; e++)
    {
        if (group[e + 1] > 0) active[active_count++] = (int)e;
        if (group[e + 1] > max_rows) max_rows = group[e + 1];
        group[e + 1] += group[e];
    }
    {
        int64_t *fill = malloc(sizeof(int64_t) * experts);
        if (!fill) goto done;
        memcpy(fill, group, sizeof(int64_t) * experts);
        for (int64_t r = 0; r < routes; r++)
        {
            int64_t p = fill[ids[r]]++;
            token_of[p] = r / topk;
            position[r] = p;
        }
        free(fill);
    }

    moe_task task = {x, gate_up, down, h, inner, token_of, group, active, active_count, max_rows, outputs, 0, 0};
    qm_pool_run(moe_part, &task);
    if (atomic_load(&task.failed)) goto done;

    /* Each token's weighted outputs, added in ascending expert id with bf16 rounding at every step. */
    for (int64_t i = 0; i < t; i++)
    {
        int64_t slots[64];
        int64_t n = topk;
        for (int64_t s = 0; s < n; s++) slots[s] = i * topk + s;
        for (int64_t a = 1; a < n; a++)
            for (int64_t b = a; b > 0 && ids[slots[b]] < ids[slots[b - 1]]; b--)
            {
                int64_t swap = slots[b];
                slots[b] = slots[b - 1];
                slots[b - 1] = swap;
            }
        uint16_t *o = out + i * h;
        for (int64_t d = 0; d < h; d++)
        {
            float sum = 0.0f;
            for (int64_t s = 0; s < n; s++)
            {
                float weighted = through_bf16(bf16_to_float(outputs[position[slots[s]] * h + d]) * bf16_to_float(weights[slots[s]]));
                sum = through_bf16(sum + weighted);
            }
            o[d] = float_to_bf16(sum);
        }
    }
    status = 0;
done:
    free(group);
    free(token_of);
    free(position);
    free(active);
    free(outputs);
    return status;
}
