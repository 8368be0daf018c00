#include "pool.h"
#include "qm_kernels.h"

int qm_init(int threads)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512bf16") || !__builtin_cpu_supports("avx512bw")) return 0;
    qm_pool_start(threads);
    return QM_CAP_AVX512_BF16;
}
