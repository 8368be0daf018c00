namespace QwenMesh.Decode.OpenAi;

/// <summary>What one choice of a text completion said, its logprobs when asked for, and its completion tokens (for usage).</summary>
public sealed record TextChoiceResult(string Text, FinishReason FinishReason, TextLogprobs? Logprobs, int CompletionTokens);
