using QwenMesh.Model.Config;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Partial rotary embedding (NeoX half-split over the first rotary_dim channels of each head). For text-only
/// input Qwen3.5's interleaved M-RoPE has equal t/h/w positions and reduces exactly to this.
/// </summary>
public sealed class RotaryEmbedding
{
    readonly Tensor _invFreq;
    readonly int _rotaryDim;

    public RotaryEmbedding(ModelConfig config)
    {
        _rotaryDim = config.RotaryDim;
        using Tensor exponents = Scalars.Range(0, _rotaryDim, 2).to(ScalarType.Float32).DividedBy(_rotaryDim);
        _invFreq = pow(tensor((float)config.RopeTheta), exponents).reciprocal().DetachFromDisposeScope();
    }

    /// <summary>cos and sin [T, rotary_dim] for absolute positions [T], computed in float32 then cast to the model dtype.</summary>
    public (Tensor Cos, Tensor Sin) For(Tensor positions, ScalarType dtype)
    {
        Tensor freqs = positions.to(ScalarType.Float32).unsqueeze(1) * _invFreq.unsqueeze(0);
        Tensor emb = cat([freqs, freqs], 1);
        return (emb.cos().to(dtype), emb.sin().to(dtype));
    }

    /// <summary>x: [T, heads, D]; cos/sin: [T, rotary_dim].</summary>
    public Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long d = x.shape[^1];
        Tensor rot = x.narrow(-1, 0, _rotaryDim);
        Tensor pass = x.narrow(-1, _rotaryDim, d - _rotaryDim);
        int half = _rotaryDim / 2;
        Tensor rotated = cat([-rot.narrow(-1, half, half), rot.narrow(-1, 0, half)], -1);
        Tensor c = cos.unsqueeze(1);
        Tensor s = sin.unsqueeze(1);
        return cat([rot * c + rotated * s, pass], -1);
    }
}
