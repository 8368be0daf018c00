namespace QwenMesh.Model.Sampling;

/// <summary>
/// A chosen token's log-probability under the model (the raw logits' log-softmax, before penalties, bias, masks
/// or temperature, as vLLM reports by default) and the most likely tokens at that step, most likely first.
/// </summary>
public sealed record TokenLogprob(int Token, float Logprob, IReadOnlyList<(int Token, float Logprob)> Top)
{
    /// <summary>OpenAI's limit on top_logprobs.</summary>
    public const int MaxTop = 20;

    public static TokenLogprob Of(ReadOnlySpan<float> logits, int token, int top)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits) if (v > max) max = v;
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        float logZ = max + (float)Math.Log(sum);

        // The `top` largest, kept sorted in a small array: one pass, nearly every logit rejected by one comparison.
        var best = new (int Token, float Logit)[Math.Min(top, logits.Length)];
        int filled = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float v = logits[i];
            if (filled == best.Length && (best.Length == 0 || v <= best[^1].Logit)) continue;
            int at = filled < best.Length ? filled++ : best.Length - 1;
            while (at > 0 && best[at - 1].Logit < v)
            {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = (i, v);
        }
        return new TokenLogprob(token, logits[token] - logZ, best.Take(filled).Select(b => (b.Token, b.Logit - logZ)).ToArray());
    }
}
