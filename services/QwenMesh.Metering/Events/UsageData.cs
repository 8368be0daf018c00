using System.Text.Json.Serialization;

namespace QwenMesh.Metering.Events;

/// <summary>
/// The <c>data</c> of a usage event (schema <c>deploy/schemas/usage-event.v1.json</c>): who used what and how the
/// request ended. Token counts are the <c>usage</c> the client was told; for a request that ended without one, what
/// the engine computed. <see cref="AccountedBy"/> says whose count it is: the engine's (decode), or, for a request no
/// decode pod could account for (the pod died, none was reachable), the gateway's, which knows only the prompt.
/// </summary>
public sealed record UsageData
{
    /// <summary>The engine (decode) counted the tokens.</summary>
    public const string Engine = "engine";

    /// <summary>The gateway accounted for a request no engine reported: its tokens are what the gateway knew.</summary>
    public const string Gateway = "gateway";

    [JsonPropertyName("tenant")] public required string Tenant { get; init; }
    [JsonPropertyName("api_key_id")] public string? ApiKeyId { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; init; }
    [JsonPropertyName("cached_tokens")] public int CachedTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int CompletionTokens { get; init; }
    [JsonPropertyName("reasoning_tokens")] public int ReasoningTokens { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
    [JsonPropertyName("time_to_first_token_ms")] public double? TimeToFirstTokenMs { get; init; }
    [JsonPropertyName("duration_ms")] public double DurationMs { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("session_id")] public string? SessionId { get; init; }

    /// <summary>The request's OpenAI <c>user</c> (the client's end-user tag); left out when it sent none.</summary>
    [JsonPropertyName("user"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? User { get; init; }
    [JsonPropertyName("prefill_pod")] public string? PrefillPod { get; init; }
    [JsonPropertyName("decode_pod")] public string? DecodePod { get; init; }
    [JsonPropertyName("accounted_by")] public required string AccountedBy { get; init; }
}
