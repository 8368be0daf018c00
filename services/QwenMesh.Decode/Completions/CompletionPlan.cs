using QwenMesh.Model.Sampling;

namespace QwenMesh.Decode.Completions;

/// <summary>A generation the decode service has decided to run: tokens in, budget, sampling, stop ids, session.</summary>
public sealed record CompletionPlan(
    string Tenant,
    IReadOnlyList<int> Prompt,
    SamplingParams Sampling,
    int MaxTokens,
    IReadOnlySet<int> StopTokens,
    string? SessionId,
    int CheckpointAt);
