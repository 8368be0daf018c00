namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// What one choice of a chat completion said: content (null when it only called tools), reasoning, calls, logprobs;
/// and what it cost (its completion and reasoning tokens, for usage).
/// </summary>
public sealed record ChatChoiceResult(
    string? Content,
    string? ReasoningContent,
    FinishReason FinishReason,
    IReadOnlyList<(string Id, string Name, string Arguments)> ToolCalls,
    ChatLogprobs? Logprobs,
    int CompletionTokens,
    int ReasoningTokens);
