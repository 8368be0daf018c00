using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.Kernels;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// The MoE block: softmax router with top-k (renormalised for Qwen3.5, optional for Qwen3-Next), routed experts
/// behind <see cref="IExpertExecutor"/>, and a shared expert scaled by sigmoid(shared_expert_gate(x)).
/// </summary>
public sealed class SparseMoe : IFeedForward
{
    readonly int _layer;
    readonly Tensor _router;       // [E, H]
    readonly Tensor _sharedGate;   // [1, H]
    readonly SwiGlu _shared;
    readonly int _topK;
    readonly bool _renormalise;
    readonly IExpertExecutor _experts;

    public SparseMoe(ModelConfig c, WeightSource w, string prefix, int layer, IExpertExecutor experts)
    {
        _layer = layer;
        _router = w.Get(prefix + "gate.weight", c.NumExperts, c.HiddenSize).DetachFromDisposeScope();
        _sharedGate = w.Get(prefix + "shared_expert_gate.weight", 1, c.HiddenSize).DetachFromDisposeScope();
        _shared = new SwiGlu(w, prefix + "shared_expert.", c.HiddenSize, c.SharedExpertIntermediateSize);
        _topK = c.NumExpertsPerTok;
        _renormalise = c.NormTopkProb;
        _experts = experts;
    }

    public Tensor Forward(Tensor x)
    {
        Tensor logits = Linear.Forward(x, _router);
        Tensor probs = logits.softmax(-1, ScalarType.Float32);
        (Tensor top, Tensor ids) = probs.topk(_topK, dim: -1);
        if (_renormalise) top = top / top.sum([-1], keepdim: true);
        Tensor routed = _experts.Run(_layer, x, ids, top.to(x.dtype));
        Tensor shared = _shared.Forward(x) * Linear.Forward(x, _sharedGate).sigmoid();
        return routed + shared;
    }
}
