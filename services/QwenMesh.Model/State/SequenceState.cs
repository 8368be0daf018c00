using QwenMesh.Model.Config;
using static TorchSharp.torch;

namespace QwenMesh.Model.State;

/// <summary>
/// Everything the model remembers about one sequence: per linear-attention layer its conv and recurrent
/// state, per full-attention layer its K/V, and how many tokens have been consumed.
/// </summary>
public sealed class SequenceState : IDisposable
{
    readonly LinearAttentionState?[] _linear;
    readonly KvCache?[] _kv;

    public int Position { get; internal set; }
    public int LayerCount => _linear.Length;

    SequenceState(LinearAttentionState?[] linear, KvCache?[] kv, int position)
    {
        _linear = linear;
        _kv = kv;
        Position = position;
    }

    public static SequenceState Create(ModelConfig config, ScalarType dtype)
    {
        int n = config.NumHiddenLayers;
        var linear = new LinearAttentionState?[n];
        var kv = new KvCache?[n];
        for (int i = 0; i < n; i++)
        {
            if (config.LayerTypes[i] == LayerKind.LinearAttention)
            {
                linear[i] = LinearAttentionState.Empty(config.LinearConvDim, config.LinearConvKernelDim,
                    config.LinearNumValueHeads, config.LinearKeyHeadDim, config.LinearValueHeadDim, dtype);
            }
            else
            {
                kv[i] = new KvCache(config.NumKeyValueHeads, config.HeadDim, dtype);
            }
        }
        return new SequenceState(linear, kv, 0);
    }

    public LinearAttentionState Linear(int layer) =>
        _linear[layer] ?? throw new InvalidOperationException($"layer {layer} is not a linear-attention layer");

    public KvCache Kv(int layer) =>
        _kv[layer] ?? throw new InvalidOperationException($"layer {layer} is not a full-attention layer");

    /// <summary>Bytes of state held: fixed DeltaNet part plus K/V that grows with every token.</summary>
    public long Bytes => _linear.Sum(l => l?.Bytes ?? 0) + _kv.Sum(k => k?.Bytes ?? 0);

    /// <summary>The state as named tensors (views that share memory with this state), layer by layer.</summary>
    public IEnumerable<(string Name, Tensor Value)> Export()
    {
        for (int i = 0; i < _linear.Length; i++)
        {
            if (_linear[i] is { } l)
            {
                yield return ($"layers.{i}.conv", l.Conv);
                yield return ($"layers.{i}.recurrent", l.Recurrent);
            }
            else if (_kv[i] is { } kv)
            {
                yield return ($"layers.{i}.keys", kv.Keys);
                yield return ($"layers.{i}.values", kv.Values);
            }
        }
    }

    /// <summary>Rebuilds a state from <see cref="Export"/>'s tensors (copied, so the caller may dispose them).</summary>
    public static SequenceState Import(ModelConfig config, ScalarType dtype, int position, IReadOnlyDictionary<string, Tensor> tensors)
    {
        SequenceState state = Create(config, dtype);
        try
        {
            state.Position = position;
            using var scope = NewDisposeScope();
            for (int i = 0; i < config.NumHiddenLayers; i++)
            {
                if (state._linear[i] is { } l)
                {
                    l.Conv.copy_(Expect(tensors, $"layers.{i}.conv", l.Conv.shape));
                    l.Recurrent.copy_(Expect(tensors, $"layers.{i}.recurrent", l.Recurrent.shape));
                }
                else
                {
                    KvCache kv = state._kv[i]!;
                    long[] shape = [config.NumKeyValueHeads, position, config.HeadDim];
                    kv.Append(Expect(tensors, $"layers.{i}.keys", shape).to(dtype), Expect(tensors, $"layers.{i}.values", shape).to(dtype));
                }
            }
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    static Tensor Expect(IReadOnlyDictionary<string, Tensor> tensors, string name, long[] shape)
    {
        if (!tensors.TryGetValue(name, out Tensor? t)) throw new ArgumentException($"state has no tensor '{name}'");
        if (!t.shape.SequenceEqual(shape))
            throw new ArgumentException($"state tensor '{name}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", shape)}]");
        return t;
    }

    public void Dispose()
    {
        foreach (LinearAttentionState? l in _linear) l?.Dispose();
        foreach (KvCache? k in _kv) k?.Dispose();
    }
}
