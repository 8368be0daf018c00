using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Qwen3-Next stores the DeltaNet projections grouped per key head ([q | k | v | z] and [b | a] per group);
/// this reorders them into the Qwen3.5 row order so one layer implementation serves both.
/// </summary>
internal static class Qwen3NextProjections
{
    public static (Tensor Qkv, Tensor Z, Tensor B, Tensor A) Read(ModelConfig c, WeightSource w, string prefix)
    {
        int nk = c.LinearNumKeyHeads, dk = c.LinearKeyHeadDim, r = c.LinearNumValueHeads / c.LinearNumKeyHeads, dv = c.LinearValueHeadDim;
        long h = c.HiddenSize;
        long group = 2 * dk + 2 * r * dv;
        Tensor qkvz = w.Get(prefix + "in_proj_qkvz.weight", nk * group, h).reshape(nk, group, h);
        Tensor q = qkvz.narrow(1, 0, dk).reshape(-1, h);
        Tensor k = qkvz.narrow(1, dk, dk).reshape(-1, h);
        Tensor v = qkvz.narrow(1, 2 * dk, r * dv).reshape(-1, h);
        Tensor z = qkvz.narrow(1, 2 * dk + r * dv, r * dv).reshape(-1, h);
        Tensor ba = w.Get(prefix + "in_proj_ba.weight", nk * 2 * r, h).reshape(nk, 2 * r, h);
        Tensor b = ba.narrow(1, 0, r).reshape(-1, h);
        Tensor a = ba.narrow(1, r, r).reshape(-1, h);
        return (cat([q, k, v], 0), z, b, a);
    }
}
