using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.Layers;
using QwenMesh.Model.State;
using QwenMesh.Model.Kernels;
using static TorchSharp.torch;

namespace QwenMesh.Model;

/// <summary>
/// The Qwen3.5 / Qwen3-Next text stack: embedding, hybrid decoder layers, final norm, lm_head.
/// Each entry point runs in its own dispose scope; only the returned logits leave it.
/// </summary>
public sealed class QwenModel : IDisposable
{
    readonly Tensor _embed;
    readonly DecoderLayer[] _layers;
    readonly ZeroCenteredRmsNorm _norm;
    readonly Tensor _lmHead;
    readonly IDisposable? _ownedExperts;

    /// <summary>
    /// Longer prompts run as consecutive chunks of this many tokens: continuing the state is exact, and it bounds
    /// the activations and attention scores one pass holds.
    /// </summary>
    public const int MaxPrefillChunk = 4096;

    public ModelConfig Config { get; }
    public ScalarType DType { get; }

    QwenModel(ModelConfig config, ScalarType dtype, Tensor embed, DecoderLayer[] layers, ZeroCenteredRmsNorm norm, Tensor lmHead, IDisposable? ownedExperts)
    {
        Config = config;
        DType = dtype;
        _embed = embed;
        _layers = layers;
        _norm = norm;
        _lmHead = lmHead;
        _ownedExperts = ownedExperts;
    }

    /// <summary>
    /// Loads a HF model folder. Without <paramref name="experts"/> the routed experts are loaded into this process;
    /// with one, the checkpoint's expert tensors are left on disk and every MoE layer calls the executor.
    /// </summary>
    public static QwenModel Load(string folder, ScalarType dtype = ScalarType.Float32, IExpertExecutor? experts = null)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"compute dtype {dtype} is not supported (float32 or bfloat16)");
        ProcessHeap.KeepFreedMemory();
        ModelConfig config = ModelConfig.Load(folder);
        using Checkpoint checkpoint = Checkpoint.Open(folder);
        WeightSource w = WeightSource.For(checkpoint, dtype);
        LocalExpertExecutor? local = null;
        if (experts is null)
        {
            local = new LocalExpertExecutor();
            experts = local;
        }
        try
        {
            var rope = new RotaryEmbedding(config);
            var layers = new DecoderLayer[config.NumHiddenLayers];
            for (int i = 0; i < layers.Length; i++)
            {
                using var scope = NewDisposeScope();
                layers[i] = new DecoderLayer(config, w, i, rope, experts);
                if (local is not null && !config.DenseMlpLayers.Contains(i))
                    local.Add(i, ExpertWeights.Load(config, w, $"layers.{i}.mlp."));
            }
            using var outer = NewDisposeScope();
            Tensor embed = w.Get("embed_tokens.weight", config.VocabSize, config.HiddenSize).DetachFromDisposeScope();
            var norm = new ZeroCenteredRmsNorm(w, "norm.weight", config.HiddenSize, config.RmsNormEps);
            Tensor lmHead = config.TieWordEmbeddings && !checkpoint.Contains("lm_head.weight")
                ? embed
                : w.Absolute("lm_head.weight", config.VocabSize, config.HiddenSize).DetachFromDisposeScope();
            return new QwenModel(config, dtype, embed, layers, norm, lmHead, local);
        }
        catch
        {
            local?.Dispose();
            throw;
        }
    }

    public SequenceState NewState() => SequenceState.Create(Config, DType);

    /// <summary>
    /// Runs <paramref name="tokens"/> of one sequence, continuing <paramref name="state"/> (which advances).
    /// Returns float32 logits for every position [N, V], or only for the last one [1, V].
    /// </summary>
    public Tensor Prefill(SequenceState state, IReadOnlyList<int> tokens, bool allLogits = false)
    {
        if (tokens.Count == 0) throw new ArgumentException("prefill needs at least one token");
        CheckVocabulary(tokens);
        using var scope = NewDisposeScope();
        var logits = new List<Tensor>();
        for (int start = 0; start < tokens.Count; start += MaxPrefillChunk)
        {
            int count = Math.Min(MaxPrefillChunk, tokens.Count - start);
            Tensor hidden = Forward([state], [tokens.Skip(start).Take(count).ToList()]);
            if (allLogits) logits.Add(Logits(hidden));
            else if (start + count == tokens.Count) logits.Add(Logits(hidden.narrow(0, count - 1, 1)));
        }
        return (logits.Count == 1 ? logits[0] : cat(logits, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Prefills several sequences in one pass (projections and MoE over all their tokens together), each continuing
    /// its own state. Returns float32 logits of each sequence's last token, [B, V] in input order.
    /// </summary>
    public Tensor Prefill(IReadOnlyList<SequenceState> states, IReadOnlyList<IReadOnlyList<int>> tokens)
    {
        if (states.Count != tokens.Count || states.Count == 0) throw new ArgumentException("one token list per sequence is needed");
        if (states.Distinct().Count() != states.Count) throw new ArgumentException("a sequence appears twice in one prefill batch");
        if (tokens.Any(t => t.Count == 0 || t.Count > MaxPrefillChunk))
            throw new ArgumentException($"each sequence of a batched prefill needs 1 to {MaxPrefillChunk} tokens");
        foreach (var t in tokens) CheckVocabulary(t);
        using var scope = NewDisposeScope();
        Tensor hidden = Forward(states, tokens);
        var last = new long[tokens.Count];
        for (int i = 0, end = 0; i < tokens.Count; i++) last[i] = (end += tokens[i].Count) - 1;
        return Logits(hidden.index_select(0, tensor(last))).MoveToOuterDisposeScope();
    }

    /// <summary>Hidden states after the last layer for the sequences' new tokens, back to back; states advance.</summary>
    Tensor Forward(IReadOnlyList<SequenceState> states, IReadOnlyList<IReadOnlyList<int>> tokens)
    {
        int[] lengths = tokens.Select(t => t.Count).ToArray();
        Tensor x = Embed(tokens.SelectMany(t => t).ToList());
        foreach (DecoderLayer layer in _layers) x = Layered(() => layer.Prefill(x, states, lengths));
        for (int i = 0; i < states.Count; i++) states[i].Position += lengths[i];
        return x;
    }

    /// <summary>
    /// One decode step for a batch: sequence i (at its own position) consumes tokens[i].
    /// Projections, DeltaNet and MoE run batched; attention runs per sequence over its own cache. Returns [B, V].
    /// </summary>
    public Tensor Decode(IReadOnlyList<SequenceState> states, IReadOnlyList<int> tokens)
    {
        if (states.Count != tokens.Count) throw new ArgumentException("one token per sequence is needed");
        if (states.Count == 0) throw new ArgumentException("decode needs at least one sequence");
        if (states.Distinct().Count() != states.Count) throw new ArgumentException("a sequence appears twice in one decode batch");
        CheckVocabulary(tokens);
        using var scope = NewDisposeScope();
        Tensor x = Embed(tokens);
        Tensor positions = tensor(states.Select(s => (long)s.Position).ToArray());
        foreach (DecoderLayer layer in _layers) x = Layered(() => layer.Decode(x, states, positions));
        foreach (SequenceState s in states) s.Position++;
        return Logits(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs one layer in its own dispose scope: a long prefill creates large temporaries in every layer, and
    /// holding them all until the end of the step would multiply peak memory by the layer count.
    /// </summary>
    static Tensor Layered(Func<Tensor> layer)
    {
        using var scope = NewDisposeScope();
        return layer().MoveToOuterDisposeScope();
    }

    void CheckVocabulary(IReadOnlyList<int> tokens)
    {
        foreach (int t in tokens)
        {
            if (t < 0 || t >= Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {t} is outside the vocabulary [0, {Config.VocabSize})");
        }
    }

    Tensor Embed(IReadOnlyList<int> tokens) => _embed.index_select(0, tensor(tokens.Select(t => (long)t).ToArray()));

    Tensor Logits(Tensor hidden) => Linear.Forward(_norm.Forward(hidden), _lmHead).to(ScalarType.Float32);

    public void Dispose()
    {
        _ownedExperts?.Dispose();
        _embed.Dispose();
        _lmHead.Dispose();
    }
}
