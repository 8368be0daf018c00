using QwenMesh.Model.Kernels;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>Runs routed experts in this process from the layers' <see cref="ExpertWeights"/>.</summary>
public sealed class LocalExpertExecutor : IExpertExecutor, IDisposable
{
    readonly Dictionary<int, ExpertWeights> _layers = new();

    public void Add(int layer, ExpertWeights weights) => _layers[layer] = weights;

    public Tensor Run(int layer, Tensor hidden, Tensor experts, Tensor weights)
    {
        if (!_layers.TryGetValue(layer, out ExpertWeights? w))
            throw new InvalidOperationException($"no experts loaded for layer {layer}");
        if (ExpertsKernel.Covers(hidden, w)) return ExpertsKernel.Run(hidden, experts, weights, w);
        return RoutedExperts.Run(hidden, experts, weights, (e, rows) => SwiGlu.Apply(rows, w.GateUp[e], w.Down[e], w.Inner));
    }

    public void Dispose()
    {
        foreach (ExpertWeights w in _layers.Values) w.Dispose();
        _layers.Clear();
    }
}
