namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// A naive, independent reading of the HF Qwen3.5-MoE / Qwen3-Next forward pass, in double: embedding (no scaling),
/// decoder layers, final zero-centred norm, lm_head. Tokens run one at a time from an empty state.
/// </summary>
public sealed class ReferenceModel
{
    ReferenceModel(ReferenceConfig config, RefMatrix embed, ReferenceLayer[] layers, double[] finalNorm, RefMatrix lmHead)
    {
        Config = config;
        Embed = embed;
        Layers = layers;
        FinalNorm = finalNorm;
        LmHead = lmHead;
    }

    public ReferenceConfig Config { get; }
    public RefMatrix Embed { get; }
    public ReferenceLayer[] Layers { get; }
    public double[] FinalNorm { get; }
    public RefMatrix LmHead { get; }

    public static ReferenceModel Load(string folder)
    {
        ReferenceConfig c = ReferenceConfig.Load(folder);
        var ckpt = new ReferenceCheckpoint(folder);
        // Qwen3.5 stores the text stack under model.language_model., Qwen3-Next (and text-only exports) under model.
        string stack = ckpt.Contains("model.language_model.embed_tokens.weight") ? "model.language_model." : "model.";
        RefMatrix embed = ckpt.Matrix(stack + "embed_tokens.weight", c.Vocab, c.HiddenSize);
        var layers = new ReferenceLayer[c.Layers];
        for (int i = 0; i < layers.Length; i++) layers[i] = ReferenceLayer.Load(c, ckpt, $"{stack}layers.{i}.", i);
        double[] norm = ckpt.Vector(stack + "norm.weight", c.HiddenSize);
        RefMatrix head = c.TieWordEmbeddings && !ckpt.Contains("lm_head.weight")
            ? embed
            : ckpt.Matrix("lm_head.weight", c.Vocab, c.HiddenSize);
        return new ReferenceModel(c, embed, layers, norm, head);
    }

    /// <summary>Logits [N][V] for every position of <paramref name="tokens"/>, starting from an empty state.</summary>
    public double[][] Forward(IReadOnlyList<int> tokens)
    {
        Func<double[], double[]>[] runs = Layers.Select(l => l.Start()).ToArray();
        var logits = new double[tokens.Count][];
        for (int t = 0; t < tokens.Count; t++)
        {
            double[] x = Embed.Row(tokens[t]);
            foreach (Func<double[], double[]> layer in runs) x = layer(x);
            logits[t] = LmHead.Apply(RefOps.ZeroCentredRmsNorm(x, FinalNorm, Config.Eps));
        }
        return logits;
    }
}
