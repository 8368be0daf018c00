using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>The per-token half of a decoder layer: a sparse MoE block or a dense MLP, over rows [T, H].</summary>
public interface IFeedForward
{
    Tensor Forward(Tensor x);
}

/// <summary>A dense SwiGLU MLP layer (Qwen3-Next `mlp_only_layers`).</summary>
public sealed class DenseFeedForward(SwiGlu mlp) : IFeedForward
{
    public Tensor Forward(Tensor x) => mlp.Forward(x);
}
