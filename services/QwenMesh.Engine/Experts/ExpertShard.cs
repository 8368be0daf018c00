using QwenMesh.Model;
using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.Layers;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Experts;

/// <summary>
/// The experts one worker holds, for every MoE layer, loaded straight from the checkpoint (its rows only), and
/// the computation a call asks for: each group of rows through its expert's SwiGLU. Experts it does not hold are
/// refused, never approximated.
/// </summary>
public sealed class ExpertShard : IDisposable
{
    readonly Dictionary<int, ExpertWeights> _layers = new();
    readonly Dictionary<int, int> _localIndex;

    public ModelConfig Config { get; }
    public ScalarType DType { get; }
    public IReadOnlyList<int> Experts { get; }

    ExpertShard(ModelConfig config, ScalarType dtype, IReadOnlyList<int> experts)
    {
        Config = config;
        DType = dtype;
        Experts = experts;
        _localIndex = experts.Select((e, i) => (e, i)).ToDictionary(p => p.e, p => p.i);
    }

    public static ExpertShard Load(string folder, ScalarType dtype, IReadOnlyList<int> experts)
    {
        ProcessHeap.KeepFreedMemory();
        ModelConfig config = ModelConfig.Load(folder);
        using Checkpoint checkpoint = Checkpoint.Open(folder);
        WeightSource w = WeightSource.For(checkpoint, dtype);
        var shard = new ExpertShard(config, dtype, experts);
        try
        {
            for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            {
                if (config.DenseMlpLayers.Contains(layer)) continue;
                shard._layers[layer] = ExpertWeights.LoadSubset(config, w, $"layers.{layer}.mlp.", experts);
            }
            return shard;
        }
        catch
        {
            shard.Dispose();
            throw;
        }
    }

    /// <summary>rows [sum(counts), H]: group i is counts[i] rows for experts[i]. Returns the unweighted outputs, row for row.</summary>
    public Tensor Compute(int layer, IReadOnlyList<int> experts, IReadOnlyList<int> counts, Tensor rows)
    {
        if (!_layers.TryGetValue(layer, out ExpertWeights? w)) throw new ArgumentException($"layer {layer} has no routed experts");
        if (experts.Count != counts.Count) throw new ArgumentException("experts and counts differ in length");
        if (rows.dim() != 2 || rows.shape[1] != Config.HiddenSize || rows.shape[0] != counts.Sum())
            throw new ArgumentException($"rows must be [{counts.Sum()}, {Config.HiddenSize}], got [{string.Join(",", rows.shape)}]");
        using var scope = NewDisposeScope();
        Tensor output = empty_like(rows);
        for (int i = 0, start = 0; i < experts.Count; start += counts[i], i++)
        {
            if (!_localIndex.TryGetValue(experts[i], out int local))
                throw new ArgumentException($"expert {experts[i]} is not held by this worker");
            if (counts[i] <= 0) throw new ArgumentException("every group needs at least one row");
            Tensor block = rows.narrow(0, start, counts[i]);
            output.narrow(0, start, counts[i]).copy_(SwiGlu.Apply(block, w.GateUp[local], w.Down[local], w.Inner));
        }
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (ExpertWeights w in _layers.Values) w.Dispose();
        _layers.Clear();
    }
}
