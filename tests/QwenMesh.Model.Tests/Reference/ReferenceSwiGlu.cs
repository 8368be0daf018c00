namespace QwenMesh.Model.Tests.Reference;

/// <summary>down(silu(gate x) * up x): an expert, the shared expert, or a dense MLP.</summary>
public sealed class ReferenceSwiGlu(RefMatrix gate, RefMatrix up, RefMatrix down)
{
    public RefMatrix Gate { get; } = gate;
    public RefMatrix Up { get; } = up;
    public RefMatrix Down { get; } = down;

    public double[] Forward(double[] x)
    {
        double[] g = Gate.Apply(x);
        double[] u = Up.Apply(x);
        var h = new double[g.Length];
        for (int i = 0; i < h.Length; i++) h[i] = RefOps.Silu(g[i]) * u[i];
        return Down.Apply(h);
    }

    public static ReferenceSwiGlu Load(ReferenceCheckpoint ckpt, string prefix, int hidden, int inner) => new(
        ckpt.Matrix(prefix + "gate_proj.weight", inner, hidden),
        ckpt.Matrix(prefix + "up_proj.weight", inner, hidden),
        ckpt.Matrix(prefix + "down_proj.weight", hidden, inner));
}
