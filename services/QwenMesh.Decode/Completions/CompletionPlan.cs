using QwenMesh.Model.Sampling;
using QwenMesh.Text.Grammar;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// A generation the decode service has decided to run: whose (verified tenant and fair-share weight), tokens in, budget,
/// sampling, stop ids, session, and what constrains its tokens (null: nothing).
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
    GrammarConstraint? Constraint = null);
