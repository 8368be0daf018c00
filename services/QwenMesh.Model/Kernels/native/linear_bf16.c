#include "dot_bf16.h"
#include "pool.h"
#include "qm_kernels.h"

typedef struct
{
    const uint16_t *x, *w;
    int64_t m, k, n;
    uint16_t *out;
} linear_task;

/* Each part takes an equal run of weight rows (a multiple of 4), so every weight byte is read by one thread once. */
QM_AVX512_BF16 static void linear_part(void *context, int part, int parts)
{
    const linear_task *t = context;
    int64_t blocks = (t->n + 3) / 4;
    int64_t first = blocks * part / parts * 4, last = blocks * (part + 1) / parts * 4;
    if (last > t->n) last = t->n;
    if (first < last) linear_rows(t->x, t->m, t->k, t->w, first, last, t->out, t->n);
}

int qm_linear_bf16(const uint16_t *x, int64_t m, int64_t k, const uint16_t *w, int64_t n, uint16_t *out)
{
    if (m < 1 || k < 1 || n < 1) return 1;
    linear_task t = {x, w, m, k, n, out};
    qm_pool_run(linear_part, &t);
    return 0;
}
