using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Kernels;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>down(silu(gate(x)) * up(x)) with gate and up fused into one matmul; the dense MLP and the shared expert.</summary>
public sealed class SwiGlu
{
    readonly Tensor _gateUp;   // [2I, H], gate rows first
    readonly Tensor _down;     // [H, I]
    readonly long _inner;

    public SwiGlu(WeightSource w, string prefix, long hidden, long inner)
    {
        _inner = inner;
        _gateUp = cat([w.Get(prefix + "gate_proj.weight", inner, hidden), w.Get(prefix + "up_proj.weight", inner, hidden)], 0)
            .DetachFromDisposeScope();
        _down = w.Get(prefix + "down_proj.weight", hidden, inner).DetachFromDisposeScope();
    }

    public Tensor Forward(Tensor x) => Apply(x, _gateUp, _down, _inner);

    /// <summary>The SwiGLU function for given weights; experts share it.</summary>
    public static Tensor Apply(Tensor x, Tensor gateUp, Tensor down, long inner)
    {
        Tensor gu = Linear.Forward(x, gateUp);
        return Linear.Forward(nn.functional.silu(gu.narrow(-1, 0, inner)) * gu.narrow(-1, inner, inner), down);
    }
}
