#include "pool.h"
#include <omp.h>
#include <pthread.h>

/*
 * The parts run on OpenMP threads. libtorch ships its own libgomp under the soname libgomp.so.1, and it is loaded
 * before this library, so the dynamic loader binds these calls to that same runtime: the kernels use libtorch's
 * worker threads (each calling thread has its own team) instead of a second pool that would spin against them.
 */
static int pool_threads = 1;

int qm_pool_start(int threads)
{
    pool_threads = threads < 1 ? 1 : threads;
    return pool_threads;
}

void qm_pool_run(qm_task task, void *context)
{
    if (pool_threads == 1)
    {
        task(context, 0, 1);
        return;
    }
#pragma omp parallel num_threads(pool_threads)
    task(context, omp_get_thread_num(), omp_get_num_threads());
}
