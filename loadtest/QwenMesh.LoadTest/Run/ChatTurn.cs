using QwenMesh.LoadTest.Api;

namespace QwenMesh.LoadTest.Run;

/// <summary>One request to send: the conversation so far, its session (multi-turn runs only) and its prompt class.</summary>
public sealed record ChatTurn(IReadOnlyList<ChatMessage> Messages, string? SessionId, bool IsLongPrompt);
