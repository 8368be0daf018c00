/* Runs a task split in parts on the process's threads; the calling thread runs part 0. */
#ifndef QM_POOL_H
#define QM_POOL_H

typedef void (*qm_task)(void *context, int part, int parts);

int qm_pool_start(int threads);
/* Runs task(context, p, parts) for p in [0, parts) and returns when all are done. */
void qm_pool_run(qm_task task, void *context);

#endif
