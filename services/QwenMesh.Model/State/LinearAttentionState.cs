using static TorchSharp.torch;

namespace QwenMesh.Model.State;

/// <summary>
/// One Gated DeltaNet layer's state for one sequence: the last K raw (pre-conv) inputs in the model dtype,
/// and the recurrent matrix per value head in float32. Its size does not depend on the context length.
/// </summary>
public sealed class LinearAttentionState : IDisposable
{
    StateSlab? _slab;
    int _slabIndex;

    /// <summary>[conv_dim, K], oldest input first; zeros before the first token.</summary>
    public Tensor Conv { get; private set; }
    /// <summary>[nv, dk, dv] float32.</summary>
    public Tensor Recurrent { get; private set; }

    public LinearAttentionState(Tensor conv, Tensor recurrent)
    {
        Conv = conv.DetachFromDisposeScope();
        Recurrent = recurrent.DetachFromDisposeScope();
    }

    public static LinearAttentionState Empty(long convDim, long kernel, long heads, long keyDim, long valueDim, ScalarType dtype) =>
        new(zeros(convDim, kernel, dtype: dtype), zeros(heads, keyDim, valueDim, dtype: ScalarType.Float32));

    public long Bytes => Conv.NumberOfElements * Conv.ElementSize + Recurrent.NumberOfElements * Recurrent.ElementSize;

    /// <summary>
    /// The states of a decode batch as stacked tensors [B, ...] that the step updates in place. When the batch is
    /// the same as last step (same sequences, same order) the stacked tensors are reused as they are; otherwise
    /// they are built once and every state becomes a view into them, so steady decoding copies no state at all.
    /// </summary>
    public static (Tensor Conv, Tensor Recurrent) Batch(IReadOnlyList<LinearAttentionState> states)
    {
        StateSlab? slab = states[0]._slab;
        bool reusable = slab is { Disposed: false } && slab.Count == states.Count;
        for (int i = 0; reusable && i < states.Count; i++) reusable = states[i]._slab == slab && states[i]._slabIndex == i;
        if (reusable) return (slab!.Conv, slab.Recurrent);

        var fresh = new StateSlab(stack(states.Select(s => s.Conv), 0), stack(states.Select(s => s.Recurrent), 0), states.Count);
        for (int i = 0; i < states.Count; i++)
        {
            LinearAttentionState s = states[i];
            s._slab?.Dispose();   // storage lives on while other sequences still view it
            s.Conv.Dispose();
            s.Recurrent.Dispose();
            s.Conv = fresh.Conv[i].DetachFromDisposeScope();
            s.Recurrent = fresh.Recurrent[i].DetachFromDisposeScope();
            s._slab = fresh;
            s._slabIndex = i;
        }
        return (fresh.Conv, fresh.Recurrent);
    }

    public void Dispose()
    {
        // The slab's own handles go too: its storage lives on while other sequences still view it, and is freed
        // with the last view, instead of when the GC finalizes a slab nothing references (native memory it cannot see).
        _slab?.Dispose();
        Conv.Dispose();
        Recurrent.Dispose();
    }

    /// <summary>Stacked states of one decode batch; the per-sequence tensors are views into it.</summary>
    sealed class StateSlab(Tensor conv, Tensor recurrent, int count) : IDisposable
    {
        public Tensor Conv { get; } = conv.DetachFromDisposeScope();
        public Tensor Recurrent { get; } = recurrent.DetachFromDisposeScope();
        public int Count => count;
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            if (Disposed) return;
            Disposed = true;
            Conv.Dispose();
            Recurrent.Dispose();
        }
    }
}
