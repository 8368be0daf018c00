using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>h = x + mixer(input_layernorm(x)); out = h + mlp(post_attention_layernorm(h)).</summary>
public sealed class DecoderLayer
{
    readonly int _index;
    readonly ZeroCenteredRmsNorm _inputNorm;
    readonly ZeroCenteredRmsNorm _postNorm;
    readonly GatedDeltaNet? _linear;
    readonly GatedAttention? _attention;
    readonly IFeedForward _mlp;

    public LayerKind Kind { get; }

    public DecoderLayer(ModelConfig c, WeightSource w, int index, RotaryEmbedding rope, IExpertExecutor experts)
    {
        _index = index;
        string p = $"layers.{index}.";
        Kind = c.LayerTypes[index];
        _inputNorm = new ZeroCenteredRmsNorm(w, p + "input_layernorm.weight", c.HiddenSize, c.RmsNormEps);
        _postNorm = new ZeroCenteredRmsNorm(w, p + "post_attention_layernorm.weight", c.HiddenSize, c.RmsNormEps);
        if (Kind == LayerKind.LinearAttention) _linear = new GatedDeltaNet(c, w, p + "linear_attn.");
        else _attention = new GatedAttention(c, w, p + "self_attn.", rope);
        _mlp = c.DenseMlpLayers.Contains(index)
            ? new DenseFeedForward(new SwiGlu(w, p + "mlp.", c.HiddenSize, c.IntermediateSize))
            : new SparseMoe(c, w, p + "mlp.", index, experts);
    }

    public Tensor Prefill(Tensor x, SequenceState state)
    {
        Tensor normed = _inputNorm.Forward(x);
        Tensor mixed = _linear is not null
            ? _linear.Prefill(normed, state.Linear(_index))
            : _attention!.Prefill(normed, state.Kv(_index), state.Position);
        return FeedForward(x + mixed);
    }

    public Tensor Decode(Tensor x, IReadOnlyList<SequenceState> states, Tensor positions)
    {
        Tensor normed = _inputNorm.Forward(x);
        Tensor mixed = _linear is not null
            ? _linear.Decode(normed, states.Select(s => s.Linear(_index)).ToList())
            : _attention!.Decode(normed, states.Select(s => s.Kv(_index)).ToList(), positions);
        return FeedForward(x + mixed);
    }

    Tensor FeedForward(Tensor h) => h + _mlp.Forward(_postNorm.Forward(h));
}
