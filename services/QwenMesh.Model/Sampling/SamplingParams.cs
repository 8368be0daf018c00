namespace QwenMesh.Model.Sampling;

/// <summary>
/// How the next token is chosen. Temperature 0 means greedy; TopK 0, TopP 1 and MinP 0 disable those filters.
/// Penalties follow vLLM: presence and frequency over the tokens generated so far (subtracted from their logits),
/// repetition over the prompt's and the generated tokens (a positive logit divided by it, a negative one multiplied);
/// LogitBias is added to the named tokens' logits first. Logprobs: report each chosen token's log-probability with
/// that many alternatives (0 for none); null reports nothing.
/// </summary>
public sealed record SamplingParams(
    double Temperature = 1.0,
    int TopK = 0,
    double TopP = 1.0,
    ulong? Seed = null,
    double PresencePenalty = 0,
    double FrequencyPenalty = 0,
    double RepetitionPenalty = 1,
    double MinP = 0,
    IReadOnlyDictionary<int, float>? LogitBias = null,
    int? Logprobs = null)
{
    public static SamplingParams Greedy { get; } = new(Temperature: 0);

    public bool IsGreedy => Temperature <= 0;

    /// <summary>True when the logits are changed before sampling (penalties, bias, min_p): the sampler needs the sequence's tokens.</summary>
    public bool ShapesLogits => PresencePenalty != 0 || FrequencyPenalty != 0 || RepetitionPenalty != 1 || MinP > 0 || LogitBias is { Count: > 0 };

    /// <summary>True when only the sequence's own sampler can choose its tokens (prefill samples plainly, and reports no logprobs).</summary>
    public bool SampledInDecode => ShapesLogits || Logprobs is not null;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first out-of-range field.</summary>
    public void Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature must be >= 0, got {Temperature}");
        if (TopK < 0) throw new ArgumentException($"top_k must be >= 0, got {TopK}");
        if (double.IsNaN(TopP) || TopP <= 0 || TopP > 1) throw new ArgumentException($"top_p must be in (0, 1], got {TopP}");
        if (!(PresencePenalty is >= -2 and <= 2)) throw new ArgumentException($"presence_penalty must be in [-2, 2], got {PresencePenalty}");
        if (!(FrequencyPenalty is >= -2 and <= 2)) throw new ArgumentException($"frequency_penalty must be in [-2, 2], got {FrequencyPenalty}");
        if (!(RepetitionPenalty > 0 && RepetitionPenalty <= 2)) throw new ArgumentException($"repetition_penalty must be in (0, 2], got {RepetitionPenalty}");
        if (!(MinP is >= 0 and <= 1)) throw new ArgumentException($"min_p must be in [0, 1], got {MinP}");
        if (Logprobs is < 0 or > TokenLogprob.MaxTop) throw new ArgumentException($"top_logprobs must be in [0, {TokenLogprob.MaxTop}], got {Logprobs}");
    }
}
