namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// One decoder layer: h = x + mixer(input_layernorm(x)); out = h + ffn(post_attention_layernorm(h)).
/// The mixer is a DeltaNet or an attention layer, the ffn the MoE block or (Qwen3-Next dense layers) a SwiGLU MLP.
/// </summary>
public sealed class ReferenceLayer
{
    readonly ReferenceConfig _c;

    ReferenceLayer(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix, int index)
    {
        _c = c;
        InputNorm = ckpt.Vector(prefix + "input_layernorm.weight", c.HiddenSize);
        PostNorm = ckpt.Vector(prefix + "post_attention_layernorm.weight", c.HiddenSize);
        if (c.FullAttention[index]) Attention = ReferenceAttention.Load(c, ckpt, prefix + "self_attn.");
        else DeltaNet = ReferenceDeltaNet.Load(c, ckpt, prefix + "linear_attn.");
        if (c.IsMoe(index)) Moe = ReferenceMoe.Load(c, ckpt, prefix + "mlp.");
        else DenseMlp = ReferenceSwiGlu.Load(ckpt, prefix + "mlp.", c.HiddenSize, c.Intermediate);
    }

    /// <summary>Zero-centred weights (effective scale 1 + w); tests may edit them.</summary>
    public double[] InputNorm { get; }
    public double[] PostNorm { get; }
    public ReferenceDeltaNet? DeltaNet { get; }
    public ReferenceAttention? Attention { get; }
    public ReferenceMoe? Moe { get; }
    public ReferenceSwiGlu? DenseMlp { get; }

    public static ReferenceLayer Load(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix, int index) => new(c, ckpt, prefix, index);

    /// <summary>A fresh sequence through this layer: the function maps one token's hidden state to the layer output.</summary>
    public Func<double[], double[]> Start()
    {
        Func<double[], double[]> mixer = Attention is not null ? Attention.Start() : DeltaNet!.Start();
        return x =>
        {
            double[] h = RefOps.Add(x, mixer(RefOps.ZeroCentredRmsNorm(x, InputNorm, _c.Eps)));
            double[] normed = RefOps.ZeroCentredRmsNorm(h, PostNorm, _c.Eps);
            return RefOps.Add(h, Moe is not null ? Moe.Forward(normed) : DenseMlp!.Forward(normed));
        };
    }
}
