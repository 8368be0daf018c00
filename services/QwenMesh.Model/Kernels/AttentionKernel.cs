using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Model.Kernels;

/// <summary>
/// Decode attention for a whole batch in one native call: each sequence's query heads against its own cache, read in
/// place (every key and value row once per KV head), with libtorch's rounding steps. libtorch's path takes a handful of
/// ops per sequence and KV head, and its bf16 matmul compiles a new kernel whenever the cache length changes.
/// </summary>
public static class AttentionKernel
{
    public static bool Covers(Tensor q, IReadOnlyList<KvCache> caches) =>
        NativeKernels.Cover(q) && caches.All(c => c.DType == ScalarType.BFloat16 && c.KeyStorage.is_contiguous() && c.ValueStorage.is_contiguous());

    /// <summary>q [B, Hq, D] with this step's keys and values already appended to the caches. Returns [B, Hq * D].</summary>
    public static Tensor Decode(Tensor q, IReadOnlyList<KvCache> caches, long kvHeads, double scale)
    {
        long batch = q.shape[0], heads = q.shape[1], d = q.shape[2];
        Tensor query = q.contiguous();
        Tensor output = empty(batch, heads * d, dtype: ScalarType.BFloat16);
        var keys = new IntPtr[batch];
        var values = new IntPtr[batch];
        var lengths = new long[batch];
        var capacities = new long[batch];
        for (int i = 0; i < batch; i++)
        {
            keys[i] = NativeKernels.Data(caches[i].KeyStorage);
            values[i] = NativeKernels.Data(caches[i].ValueStorage);
            lengths[i] = caches[i].Length;
            capacities[i] = caches[i].Capacity;
        }
        NativeKernels.Check(NativeKernels.qm_attention_decode_bf16(NativeKernels.Data(query), batch, kvHeads, heads / kvHeads, d, keys, values,
            lengths, capacities, (float)scale, NativeKernels.Data(output)), "attention");
        GC.KeepAlive(query);
        GC.KeepAlive(caches);
        return output;
    }
}
