#include <malloc.h>
#include "pool.h"
#include "qm_kernels.h"

int qm_init(int threads)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512bf16") || !__builtin_cpu_supports("avx512bw")) return 0;
    /* A decode step allocates the same few-hundred-KiB tensors (logits, DeltaNet temporaries) every time; above
     * glibc's default threshold each one is a fresh mmap whose pages the kernel faults in and zeroes, every step.
     * Kept on the heap up to 32 MiB (glibc's ceiling), freed blocks are reused instead. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    qm_pool_start(threads);
    return QM_CAP_AVX512_BF16;
}
