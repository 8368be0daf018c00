using QwenMesh.Model.Sampling;

namespace QwenMesh.Model.Generation;

/// <summary>What to generate: prompt ids, a token budget, sampling, and the ids that end the sequence.</summary>
public sealed record GenerationRequest(IReadOnlyList<int> Prompt, int MaxTokens, SamplingParams Sampling, IReadOnlySet<int> StopTokens);

/// <summary>Why generation ended, in OpenAI's words.</summary>
public enum FinishReason { Stop, Length }
