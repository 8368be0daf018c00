using QwenMesh.Model.Sampling;
using QwenMesh.Text.Grammar;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// A generation the decode service has decided to run: whose (verified tenant and fair-share weight), tokens in, budget,
/// sampling, stop ids, session, how many choices (one prefill, the state copied to each), and what constrains each
/// choice's tokens (empty: nothing; else one per choice, null where nothing does).
/// </summary>
public sealed record CompletionPlan(
    string Tenant,
    double Weight,
    IReadOnlyList<int> Prompt,
    SamplingParams Sampling,
    int MaxTokens,
    IReadOnlySet<int> StopTokens,
    string? SessionId,
    int CheckpointAt,
    IReadOnlyList<GrammarConstraint?>? Constraints = null,
    int Choices = 1)
{
    /// <summary>
    /// True when decode samples every token itself: prefill then takes the prompt but its last token, which the
    /// first decode step feeds. Constraints, penalties, logprobs and several choices need it; prefill samples plainly.
    /// </summary>
    public bool SampledInDecode => Choices > 1 || Constraints?.Any(c => c is not null) == true || Sampling.SampledInDecode;
}
