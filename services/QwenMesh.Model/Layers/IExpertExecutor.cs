using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Runs the routed experts of one MoE layer for every token row of a step (a whole prefill chunk or a whole
/// decode batch at once), so that a remote implementation makes one exchange per layer, not per token.
/// </summary>
public interface IExpertExecutor
{
    /// <summary>
    /// hidden [T, H] (model dtype); experts [T, k] int64 ids; weights [T, k] (model dtype).
    /// Returns sum_k weights[t, k] * expert_{experts[t, k]}(hidden[t]) as [T, H], accumulated in ascending expert id.
    /// </summary>
    Tensor Run(int layer, Tensor hidden, Tensor experts, Tensor weights);
}
