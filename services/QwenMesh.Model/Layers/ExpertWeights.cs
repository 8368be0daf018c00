using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// The routed experts of one MoE layer in the fused layout: gate_up [E, 2I, H] (gate rows first) and
/// down [E, H, I]. Qwen3.5 stores exactly this; per-expert checkpoints are stacked into it at load.
/// </summary>
public sealed class ExpertWeights : IDisposable
{
    public Tensor GateUp { get; }
    public Tensor Down { get; }
    public long Inner { get; }
    public int Count => (int)GateUp.shape[0];

    internal ExpertWeights(Tensor gateUp, Tensor down, long inner)
    {
        GateUp = gateUp.DetachFromDisposeScope();
        Down = down.DetachFromDisposeScope();
        Inner = inner;
    }

    /// <summary>
    /// Only the listed experts (stacked in the given order), read one by one so a worker never holds the layer's
    /// full expert tensors: what an expert worker with a shard of the placement loads.
    /// </summary>
    public static ExpertWeights LoadSubset(ModelConfig c, WeightSource w, string mlpPrefix, IReadOnlyList<int> experts)
    {
        long e = c.NumExperts, inner = c.MoeIntermediateSize, h = c.HiddenSize;
        bool fused = w.Has(mlpPrefix + "experts.gate_up_proj");
        Tensor gateUp = empty(experts.Count, 2 * inner, h, dtype: w.DType);
        Tensor down = empty(experts.Count, h, inner, dtype: w.DType);
        for (int i = 0; i < experts.Count; i++)
        {
            using var scope = NewDisposeScope();
            int x = experts[i];
            if (x < 0 || x >= e) throw new ArgumentException($"expert {x} is outside [0, {e})");
            if (fused)
            {
                gateUp[i].copy_(w.GetRow(mlpPrefix + "experts.gate_up_proj", x, e, 2 * inner, h));
                down[i].copy_(w.GetRow(mlpPrefix + "experts.down_proj", x, e, h, inner));
            }
            else
            {
                string p = $"{mlpPrefix}experts.{x}.";
                gateUp[i].narrow(0, 0, inner).copy_(w.Get(p + "gate_proj.weight", inner, h));
                gateUp[i].narrow(0, inner, inner).copy_(w.Get(p + "up_proj.weight", inner, h));
                down[i].copy_(w.Get(p + "down_proj.weight", h, inner));
            }
        }
        return new ExpertWeights(gateUp, down, inner);
    }

    public static ExpertWeights Load(ModelConfig c, WeightSource w, string mlpPrefix)
    {
        long e = c.NumExperts, inner = c.MoeIntermediateSize, h = c.HiddenSize;
        if (w.Has(mlpPrefix + "experts.gate_up_proj"))
        {
            return new ExpertWeights(
                w.Get(mlpPrefix + "experts.gate_up_proj", e, 2 * inner, h),
                w.Get(mlpPrefix + "experts.down_proj", e, h, inner), inner);
        }
        // Per-expert tensors: copy each into its slot so only one expert is ever held twice.
        Tensor gateUp = empty(e, 2 * inner, h, dtype: w.DType);
        Tensor down = empty(e, h, inner, dtype: w.DType);
        for (int i = 0; i < e; i++)
        {
            using var scope = NewDisposeScope();
            string p = $"{mlpPrefix}experts.{i}.";
            gateUp[i].narrow(0, 0, inner).copy_(w.Get(p + "gate_proj.weight", inner, h));
            gateUp[i].narrow(0, inner, inner).copy_(w.Get(p + "up_proj.weight", inner, h));
            down[i].copy_(w.Get(p + "down_proj.weight", h, inner));
        }
        return new ExpertWeights(gateUp, down, inner);
    }

    public void Dispose()
    {
        GateUp.Dispose();
        Down.Dispose();
    }
}
