using QwenMesh.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// The Gated DeltaNet output norm: plain weight (not zero-centred), normalised value cast to the model dtype
/// before the multiply by w, then gated by silu(z) in float32.
/// </summary>
public sealed class GatedRmsNorm
{
    readonly Tensor _weight;
    readonly Scalar _eps;

    /// <summary>[dim] in the model dtype.</summary>
    public Tensor Weight => _weight;
    public double Eps { get; }

    public GatedRmsNorm(WeightSource weights, string name, long dim, double eps)
    {
        _weight = weights.Get(name, dim).DetachFromDisposeScope();
        Eps = eps;
        _eps = eps.ToScalar();
    }

    /// <summary>x, z: [..., dim] in the model dtype.</summary>
    public Tensor Forward(Tensor x, Tensor z)
    {
        Tensor xf = x.to(ScalarType.Float32);
        Tensor normed = (xf * xf.pow(Scalars.Two).mean([-1], keepdim: true).add(_eps).rsqrt()).to(x.dtype);
        Tensor scaled = _weight * normed;
        return (scaled * nn.functional.silu(z.to(ScalarType.Float32))).to(x.dtype);
    }
}
