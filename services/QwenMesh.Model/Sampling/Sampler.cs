using QwenMesh.Text.Grammar;

namespace QwenMesh.Model.Sampling;

/// <summary>
/// Picks tokens from float32 logits. One sampler belongs to one sequence: its random stream is seeded once,
/// so a seeded request draws the same tokens however it is batched. With a constraint (a grammar, a reasoning
/// budget) it samples only among the tokens the constraint allows, and tells it which one was taken.
/// </summary>
public sealed class Sampler
{
    readonly SamplingParams _params;
    readonly Random _random;
    readonly GrammarConstraint? _constraint;
    readonly Dictionary<int, int> _generated = [];
    readonly HashSet<int> _seen = [];
    float[] _shaped = [];

    /// <param name="parameters">How to sample.</param>
    /// <param name="drawsSoFar">
    /// Random draws already made for this sequence elsewhere (prefill samples the first token in another process):
    /// skipping them continues the same seeded stream, so where a token is sampled never changes which one.
    /// </param>
    /// <param name="constraint">What the sequence may say next, or null when anything goes.</param>
    /// <param name="prompt">The prompt's tokens, which the repetition penalty counts as seen.</param>
    public Sampler(SamplingParams parameters, int drawsSoFar = 0, GrammarConstraint? constraint = null, IReadOnlyList<int>? prompt = null)
    {
        parameters.Validate();
        _params = parameters;
        _constraint = constraint;
        if (parameters.RepetitionPenalty != 1 && prompt is not null) _seen.UnionWith(prompt);
        _random = parameters.Seed is { } seed ? new Random(unchecked((int)(seed ^ (seed >> 32)))) : new Random();
        for (int i = 0; i < drawsSoFar; i++) _random.NextDouble();
        Draws = drawsSoFar;
    }

    /// <summary>Random draws made so far (greedy sampling makes none).</summary>
    public int Draws { get; private set; }

    /// <summary>The last chosen token's log-probability, when the parameters ask for logprobs.</summary>
    public TokenLogprob? LastLogprob { get; private set; }

    public int Next(ReadOnlySpan<float> logits)
    {
        int token = Choose(logits);
        if (_params.Logprobs is { } top) LastLogprob = TokenLogprob.Of(logits, token, top);
        return token;
    }

    int Choose(ReadOnlySpan<float> logits)
    {
        if (logits.Length == 0) throw new ArgumentException("no logits to sample from");
        if (_constraint is null && !_params.ShapesLogits) return Pick(logits);
        if (_shaped.Length != logits.Length) _shaped = new float[logits.Length];
        logits.CopyTo(_shaped);
        Shape(_shaped);
        _constraint?.Mask(_shaped);
        int token = Pick(_shaped);
        _constraint?.Accept(token);
        _generated[token] = _generated.GetValueOrDefault(token) + 1;
        if (_params.RepetitionPenalty != 1) _seen.Add(token);
        return token;
    }

    // Bias, then the penalties: they touch only the tokens named or seen, not the whole row.
    void Shape(Span<float> logits)
    {
        if (_params.LogitBias is { } bias)
        {
            foreach (var (id, value) in bias) if (id < logits.Length) logits[id] += value;
        }
        if (_params.RepetitionPenalty != 1)
        {
            float r = (float)_params.RepetitionPenalty;
            foreach (int id in _seen) if (id < logits.Length) logits[id] = logits[id] > 0 ? logits[id] / r : logits[id] * r;
        }
        if (_params.PresencePenalty != 0 || _params.FrequencyPenalty != 0)
        {
            foreach (var (id, count) in _generated)
            {
                if (id < logits.Length) logits[id] -= (float)(_params.PresencePenalty + _params.FrequencyPenalty * count);
            }
        }
    }

    // Samples in the order of the candidates sorted by logit (descending, ties by id), so top-k and top-p cut
    // deterministically; only as much of that order is sorted as the cut and the draw reach (the whole vocabulary's
    // sort cost ~20 ms a token on two cores).
    int Pick(ReadOnlySpan<float> logits)
    {
        if (_params.IsGreedy) return ArgMax(logits);
        float[] values = logits.ToArray();
        var sorted = new SortedPrefix(values);
        double max = values[ArgMax(values)];
        double Weight(int id) => Math.Exp((values[id] - max) / _params.Temperature);
        int keep = _params.TopK > 0 ? Math.Min(_params.TopK, logits.Length) : logits.Length;

        // The kept candidates' mass; min_p drops every token less likely than min_p times the best (a sorted suffix).
        double total = 0;
        if (keep < logits.Length)
        {
            for (int i = 0; i < keep; i++)
            {
                double w = Weight(sorted[i]);
                if (w < _params.MinP)
                {
                    keep = i;
                    break;
                }
                total += w;
            }
        }
        else
        {
            int kept = 0;
            for (int id = 0; id < logits.Length; id++)
            {
                double w = Weight(id);
                if (w < _params.MinP) continue;
                total += w;
                kept++;
            }
            keep = kept;
        }
        if (_params.TopP < 1)
        {
            // Keep the smallest prefix whose mass reaches top_p (always at least one token).
            double mass = 0, prefix = 0;
            int cut = 0;
            while (cut < keep)
            {
                double w = Weight(sorted[cut]);
                mass += w / total;
                prefix += w;
                cut++;
                if (mass >= _params.TopP) break;
            }
            keep = cut;
            total = prefix;
        }
        double draw = _random.NextDouble() * total;
        Draws++;
        if (_params.TopK == 0 && _params.TopP >= 1)
        {
            // Nothing is cut by rank: the draw may walk the vocabulary in id order, with no sort at all.
            int lastId = 0;
            for (int id = 0; id < values.Length; id++)
            {
                double w = Weight(id);
                if (w == 0 || w < _params.MinP) continue;
                lastId = id;
                draw -= w;
                if (draw <= 0) return id;
            }
            return lastId;
        }
        int last = 0;
        for (int i = 0; i < keep; i++)
        {
            double w = Weight(sorted[i]);
            if (w == 0) continue; // masked out, or too far below the best to count
            last = i;
            draw -= w;
            if (draw <= 0) return sorted[i];
        }
        // Rounding left a sliver of the draw: the last token with any mass, never a masked one.
        return sorted[last];
    }

    /// <summary>
    /// Token ids in sampling order (logit descending, ties by id), sorted lazily: reading position i sorts the best
    /// few times i candidates only, selected in one pass with a small heap.
    /// </summary>
    sealed class SortedPrefix(float[] values)
    {
        int[] _ids = [];

        public int this[int i]
        {
            get
            {
                if (i >= _ids.Length) Grow(i + 1);
                return _ids[i];
            }
        }

        void Grow(int need)
        {
            int n = values.Length;
            int m = Math.Max(need, Math.Max(64, _ids.Length * 8));
            if (m * 16 >= n) m = n;
            int[] ids;
            if (m == n)
            {
                ids = new int[n];
                for (int i = 0; i < n; i++) ids[i] = i;
            }
            else
            {
                // The worst of the best m at the top: smallest logit, and among equals the largest id.
                var worstFirst = Comparer<(float Value, int Id)>.Create((a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : b.Id.CompareTo(a.Id));
                var best = new PriorityQueue<int, (float, int)>(m + 1, worstFirst);
                for (int id = 0; id < n; id++)
                {
                    if (best.Count < m) best.Enqueue(id, (values[id], id));
                    else if (best.TryPeek(out _, out var worst) && values[id] > worst.Item1) best.EnqueueDequeue(id, (values[id], id));
                }
                ids = new int[best.Count];
                for (int i = 0; best.TryDequeue(out int id, out _); i++) ids[i] = id;
            }
            Array.Sort(ids, (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
            _ids = ids;
        }
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }
}
