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
    float[] _masked = [];

    /// <param name="parameters">How to sample.</param>
    /// <param name="drawsSoFar">
    /// Random draws already made for this sequence elsewhere (prefill samples the first token in another process):
    /// skipping them continues the same seeded stream, so where a token is sampled never changes which one.
    /// </param>
    /// <param name="constraint">What the sequence may say next, or null when anything goes.</param>
    public Sampler(SamplingParams parameters, int drawsSoFar = 0, GrammarConstraint? constraint = null)
    {
        parameters.Validate();
        _params = parameters;
        _constraint = constraint;
        _random = parameters.Seed is { } seed ? new Random(unchecked((int)(seed ^ (seed >> 32)))) : new Random();
        for (int i = 0; i < drawsSoFar; i++) _random.NextDouble();
        Draws = drawsSoFar;
    }

    /// <summary>Random draws made so far (greedy sampling makes none).</summary>
    public int Draws { get; private set; }

    public int Next(ReadOnlySpan<float> logits)
    {
        if (logits.Length == 0) throw new ArgumentException("no logits to sample from");
        if (_constraint is null) return Pick(logits);
        if (_masked.Length != logits.Length) _masked = new float[logits.Length];
        logits.CopyTo(_masked);
        _constraint.Mask(_masked);
        int token = Pick(_masked);
        _constraint.Accept(token);
        return token;
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
