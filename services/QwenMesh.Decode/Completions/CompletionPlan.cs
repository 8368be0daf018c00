using QwenMesh.Model.Sampling;

namespace QwenMesh.Decode.Completions;

/// <summary>A generation the decode service has decided to run: whose (verified tenant and fair-share weight), tokens in, budget, sampling, stop ids, session.</summary>
public sealed record CompletionPlan(
    string Tenant,
    double Weight,
    IReadOnlyList<int> Prompt,
    SamplingParams Sampling,
    int MaxTokens,
    IReadOnlySet<int> StopTokens,
    string? SessionId,
    int CheckpointAt);
