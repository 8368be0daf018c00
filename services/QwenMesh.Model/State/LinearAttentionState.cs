using static TorchSharp.torch;

namespace QwenMesh.Model.State;

/// <summary>
/// One Gated DeltaNet layer's state for one sequence: the last K raw (pre-conv) inputs in the model dtype,
/// and the recurrent matrix per value head in float32. Its size does not depend on the context length.
/// </summary>
public sealed class LinearAttentionState : IDisposable
{
    /// <summary>[conv_dim, K], oldest input first; zeros before the first token.</summary>
    public Tensor Conv { get; }
    /// <summary>[nv, dk, dv] float32.</summary>
    public Tensor Recurrent { get; }

    public LinearAttentionState(Tensor conv, Tensor recurrent)
    {
        Conv = conv.DetachFromDisposeScope();
        Recurrent = recurrent.DetachFromDisposeScope();
    }

    public static LinearAttentionState Empty(long convDim, long kernel, long heads, long keyDim, long valueDim, ScalarType dtype) =>
        new(zeros(convDim, kernel, dtype: dtype), zeros(heads, keyDim, valueDim, dtype: ScalarType.Float32));

    public long Bytes => Conv.NumberOfElements * Conv.ElementSize + Recurrent.NumberOfElements * Recurrent.ElementSize;

    public void Dispose()
    {
        Conv.Dispose();
        Recurrent.Dispose();
    }
}
