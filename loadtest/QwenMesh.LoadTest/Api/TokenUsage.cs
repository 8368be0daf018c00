namespace QwenMesh.LoadTest.Api;

/// <summary>The `usage` object of the final stream chunk.</summary>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens, int CachedTokens);
