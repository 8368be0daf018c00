using QwenMesh.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Qwen3-Next/Qwen3.5 RMSNorm: the weight is stored zero-centred and scales by (1 + w); all arithmetic in float32,
/// one cast back at the end.
/// </summary>
public sealed class ZeroCenteredRmsNorm
{
    readonly Tensor _scale;
    readonly Scalar _eps;

    public ZeroCenteredRmsNorm(WeightSource weights, string name, long dim, double eps)
    {
        _scale = weights.GetAsFloat32(name, dim).add(Scalars.One).DetachFromDisposeScope();
        _eps = eps.ToScalar();
    }

    public Tensor Forward(Tensor x)
    {
        Tensor xf = x.to(ScalarType.Float32);
        Tensor normed = xf * xf.pow(Scalars.Two).mean([-1], keepdim: true).add(_eps).rsqrt();
        return (normed * _scale).to(x.dtype);
    }
}
