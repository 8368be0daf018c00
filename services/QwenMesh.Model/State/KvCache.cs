using static TorchSharp.torch;

namespace QwenMesh.Model.State;

/// <summary>
/// One full-attention layer's keys and values for one sequence, [kv_heads, capacity, head_dim] each.
/// Capacity grows geometrically so that appending a token is amortised O(1) rather than a full copy.
/// </summary>
public sealed class KvCache : IDisposable
{
    Tensor _keys;
    Tensor _values;

    public int Length { get; private set; }
    public long KvHeads { get; }
    public long HeadDim { get; }
    public ScalarType DType { get; }

    public KvCache(long kvHeads, long headDim, ScalarType dtype, int capacity = 64)
    {
        KvHeads = kvHeads;
        HeadDim = headDim;
        DType = dtype;
        _keys = zeros(kvHeads, capacity, headDim, dtype: dtype).DetachFromDisposeScope();
        _values = zeros(kvHeads, capacity, headDim, dtype: dtype).DetachFromDisposeScope();
    }

    public int Capacity => (int)_keys.shape[1];

    /// <summary>Keys [kv_heads, Length, head_dim] (a view: valid until the next append).</summary>
    public Tensor Keys => _keys.narrow(1, 0, Length);
    public Tensor Values => _values.narrow(1, 0, Length);

    /// <summary>
    /// One KV head's keys [Length, head_dim]: unlike <see cref="Keys"/> this view is contiguous, so a matmul
    /// reads it in place instead of first copying the whole cache (which dominated decode at long context).
    /// </summary>
    public Tensor KeysOfHead(int head) => _keys[head].narrow(0, 0, Length);
    public Tensor ValuesOfHead(int head) => _values[head].narrow(0, 0, Length);

    /// <summary>The whole storage [kv_heads, Capacity, head_dim], for kernels that read each head's first Length rows in place.</summary>
    internal Tensor KeyStorage => _keys;
    internal Tensor ValueStorage => _values;

    /// <summary>Bytes held for the tokens stored (not the spare capacity).</summary>
    public long Bytes => 2L * KvHeads * Length * HeadDim * _keys.ElementSize;

    /// <summary>Appends keys and values [kv_heads, n, head_dim].</summary>
    public void Append(Tensor keys, Tensor values)
    {
        int n = (int)keys.shape[1];
        EnsureCapacity(Length + n);
        using (no_grad())
        {
            _keys.narrow(1, Length, n).copy_(keys);
            _values.narrow(1, Length, n).copy_(values);
        }
        Length += n;
    }

    void EnsureCapacity(int needed)
    {
        if (needed <= Capacity) return;
        int capacity = Math.Max(needed, Capacity * 2);
        _keys = Grow(_keys, capacity);
        _values = Grow(_values, capacity);
    }

    Tensor Grow(Tensor old, int capacity)
    {
        Tensor grown = zeros(KvHeads, capacity, HeadDim, dtype: DType).DetachFromDisposeScope();
        grown.narrow(1, 0, Length).copy_(old.narrow(1, 0, Length));
        old.Dispose();
        return grown;
    }

    public void Dispose()
    {
        _keys.Dispose();
        _values.Dispose();
    }
}
