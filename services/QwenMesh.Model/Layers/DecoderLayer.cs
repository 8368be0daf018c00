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

    /// <summary>
    /// Prefill of several sequences at once: x holds their new tokens back to back, <paramref name="lengths"/>[i] rows
    /// for states[i]. Token mixing runs per sequence (each over its own state); norms and the MoE run on all rows.
    /// </summary>
    public Tensor Prefill(Tensor x, IReadOnlyList<SequenceState> states, IReadOnlyList<int> lengths)
    {
        Tensor normed = _inputNorm.Forward(x);
        var mixed = new Tensor[states.Count];
        for (int i = 0, start = 0; i < states.Count; start += lengths[i], i++)
        {
            Tensor rows = normed.narrow(0, start, lengths[i]);
            mixed[i] = _linear is not null
                ? _linear.Prefill(rows, states[i].Linear(_index))
                : _attention!.Prefill(rows, states[i].Kv(_index), states[i].Position);
        }
        return FeedForward(x + (mixed.Length == 1 ? mixed[0] : cat(mixed, 0)));
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
