using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Options;

namespace QwenMesh.LoadTest.Run;

/// <summary>
/// One request to send: the conversation so far, its session (multi-turn runs only), its prompt class and
/// the tenant whose key it carries (multi-tenant runs only).
/// </summary>
public sealed record ChatTurn(IReadOnlyList<ChatMessage> Messages, string? SessionId, bool IsLongPrompt, Tenant? Tenant = null);
