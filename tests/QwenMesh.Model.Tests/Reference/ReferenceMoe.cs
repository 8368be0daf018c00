namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// The sparse MoE block for one token: softmax router, top-k, optional renormalisation, the weighted sum of the
/// chosen experts plus sigmoid(shared_expert_gate x) * shared_expert(x). Experts come fused ([E,2I,H] gate rows
/// first, [E,H,I]) or one module per expert.
/// </summary>
public sealed class ReferenceMoe
{
    readonly ReferenceConfig _c;

    ReferenceMoe(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix)
    {
        _c = c;
        int h = c.HiddenSize, e = c.Experts, inner = c.MoeIntermediate;
        Router = ckpt.Matrix(prefix + "gate.weight", e, h);
        Experts = new ReferenceSwiGlu[e];
        if (ckpt.Contains(prefix + "experts.gate_up_proj"))
        {
            double[] gateUp = ckpt.Read(prefix + "experts.gate_up_proj", e, 2 * inner, h).Data;
            double[] down = ckpt.Read(prefix + "experts.down_proj", e, h, inner).Data;
            for (int x = 0; x < e; x++)
            {
                int at = x * 2 * inner * h;
                Experts[x] = new ReferenceSwiGlu(
                    new RefMatrix(inner, h, gateUp, at),
                    new RefMatrix(inner, h, gateUp, at + inner * h),
                    new RefMatrix(h, inner, down, x * h * inner));
            }
        }
        else
        {
            for (int x = 0; x < e; x++) Experts[x] = ReferenceSwiGlu.Load(ckpt, $"{prefix}experts.{x}.", h, inner);
        }
        Shared = ReferenceSwiGlu.Load(ckpt, prefix + "shared_expert.", h, c.SharedIntermediate);
        SharedGate = ckpt.Matrix(prefix + "shared_expert_gate.weight", 1, h);
    }

    public RefMatrix Router { get; }
    public ReferenceSwiGlu[] Experts { get; }
    public ReferenceSwiGlu Shared { get; }
    public RefMatrix SharedGate { get; }

    public static ReferenceMoe Load(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix) => new(c, ckpt, prefix);

    public double[] Forward(double[] x)
    {
        double[] probs = RefOps.Softmax(Router.Apply(x));
        int[] chosen = Enumerable.Range(0, probs.Length).OrderByDescending(i => probs[i]).ThenBy(i => i).Take(_c.TopK).ToArray();
        double total = _c.NormTopK ? chosen.Sum(i => probs[i]) : 1.0;

        double sharedGate = RefOps.Sigmoid(SharedGate.Apply(x)[0]);
        double[] shared = Shared.Forward(x);
        var y = new double[x.Length];
        for (int d = 0; d < y.Length; d++) y[d] = sharedGate * shared[d];
        foreach (int e in chosen)
        {
            double weight = probs[e] / total;
            double[] expertOut = Experts[e].Forward(x);
            for (int d = 0; d < y.Length; d++) y[d] += weight * expertOut[d];
        }
        return y;
    }
}
