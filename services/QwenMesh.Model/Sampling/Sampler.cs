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

    int Pick(ReadOnlySpan<float> logits)
    {
        if (_params.IsGreedy) return ArgMax(logits);

        // Candidates sorted by logit (descending, ties by id) so the top-k / top-p cut is deterministic.
        int[] ids = new int[logits.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = i;
        float[] values = logits.ToArray();
        Array.Sort(ids, (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        int keep = _params.TopK > 0 ? Math.Min(_params.TopK, ids.Length) : ids.Length;

        double max = values[ids[0]];
        var probs = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++)
        {
            probs[i] = Math.Exp((values[ids[i]] - max) / _params.Temperature);
            // min_p: a token less likely than min_p times the most likely one is out (probs[i] is that ratio).
            if (probs[i] < _params.MinP)
            {
                keep = i;
                break;
            }
            total += probs[i];
        }
        if (_params.TopP < 1)
        {
            // Keep the smallest prefix whose mass reaches top_p (always at least one token).
            double mass = 0;
            int cut = 0;
            while (cut < keep)
            {
                mass += probs[cut] / total;
                cut++;
                if (mass >= _params.TopP) break;
            }
            keep = cut;
            total = probs.Take(keep).Sum();
        }
        double draw = _random.NextDouble() * total;
        Draws++;
        int last = 0;
        for (int i = 0; i < keep; i++)
        {
            if (probs[i] == 0) continue; // masked out, or too far below the best to count
            last = i;
            draw -= probs[i];
            if (draw <= 0) return ids[i];
        }
        // Rounding left a sliver of the draw: the last token with any mass, never a masked one.
        return ids[last];
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
