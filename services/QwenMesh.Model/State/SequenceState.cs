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
    readonly ModelConfig _config;
    readonly ScalarType _dtype;

    public int Position { get; internal set; }
    public int LayerCount => _linear.Length;

    SequenceState(LinearAttentionState?[] linear, KvCache?[] kv, int position, ModelConfig config, ScalarType dtype)
    {
        _linear = linear;
        _kv = kv;
        Position = position;
        _config = config;
        _dtype = dtype;
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
        return new SequenceState(linear, kv, 0, config, dtype);
    }

    public LinearAttentionState Linear(int layer) =>
        _linear[layer] ?? throw new InvalidOperationException($"layer {layer} is not a linear-attention layer");

    public KvCache Kv(int layer) =>
        _kv[layer] ?? throw new InvalidOperationException($"layer {layer} is not a full-attention layer");

    /// <summary>Bytes of state held: fixed DeltaNet part plus K/V that grows with every token.</summary>
    /// <summary>Bytes of K/V one more token of context adds to a state.</summary>
    public static long KvBytesPerToken(ModelConfig config, ScalarType dtype) =>
        config.CountOf(LayerKind.FullAttention) * 2L * config.NumKeyValueHeads * config.HeadDim * (dtype == ScalarType.Float32 ? 4 : 2);

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

    /// <summary>
    /// An independent copy (the sequence forks: n choices from one prefill). The hybrid's state is mostly its fixed
    /// DeltaNet part, so a copy costs the same whatever the prompt's length, plus its K/V.
    /// </summary>
    public SequenceState Copy() => Import(_config, _dtype, Position, Export().ToDictionary(e => e.Name, e => e.Value));

    /// <summary>Rebuilds a state from <see cref="Export"/>'s tensors (copied, so the caller may dispose them).</summary>
    public static SequenceState Import(ModelConfig config, ScalarType dtype, int position, IReadOnlyDictionary<string, Tensor> tensors)
    {
        SequenceState state = Create(config, dtype);
        try
        {
            state.Position = position;
            for (int i = 0; i < config.NumHiddenLayers; i++) state.RestoreLayer(i, tensors);
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>The names and shapes <see cref="Export"/> gives layer <paramref name="layer"/> at the current position.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> LayerLayout(int layer) => _linear[layer] is { } l
        ? [($"layers.{layer}.conv", l.Conv.shape), ($"layers.{layer}.recurrent", l.Recurrent.shape)]
        : [($"layers.{layer}.keys", [_kv[layer]!.KvHeads, Position, _kv[layer]!.HeadDim]),
           ($"layers.{layer}.values", [_kv[layer]!.KvHeads, Position, _kv[layer]!.HeadDim])];

    /// <summary>
    /// Fills one layer of a fresh state (Position already set) from tensors named as in <see cref="Export"/>;
    /// they are copied and converted to this state's dtype, and a wrong name or shape is an <see cref="ArgumentException"/>.
    /// </summary>
    public void RestoreLayer(int layer, IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var scope = NewDisposeScope();
        var layout = LayerLayout(layer);
        if (_linear[layer] is { } l)
        {
            l.Conv.copy_(Expect(tensors, layout[0].Name, layout[0].Shape));
            l.Recurrent.copy_(Expect(tensors, layout[1].Name, layout[1].Shape));
            return;
        }
        KvCache kv = _kv[layer]!;
        if (kv.Length != 0) throw new InvalidOperationException($"layer {layer} already holds keys and values");
        kv.Append(Expect(tensors, layout[0].Name, layout[0].Shape).to(kv.DType), Expect(tensors, layout[1].Name, layout[1].Shape).to(kv.DType));
    }

    /// <summary>An empty state that claims <paramref name="position"/> tokens, to be filled by <see cref="RestoreLayer"/>.</summary>
    public static SequenceState CreateAt(ModelConfig config, ScalarType dtype, int position)
    {
        if (position < 0) throw new ArgumentException("position must be >= 0");
        SequenceState state = Create(config, dtype);
        state.Position = position;
        return state;
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
