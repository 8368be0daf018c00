namespace QwenMesh.ServiceDefaults.Logging;

/// <summary>
/// What a handler learned about its request, for the one log line written when the request ends
/// (set as an HTTP feature by the request log; a handler fills in what applies to it).
/// </summary>
public sealed class RequestFacts
{
    /// <summary>
    /// The tenant, set only by whoever authenticated it (the gateway from the API key, decode from the signed identity):
    /// a tenant header alone is a client's claim and is never logged as the tenant.
    /// </summary>
    public string? Tenant { get; set; }
    public string? Model { get; set; }
    public int? PromptTokens { get; set; }
    public int? CompletionTokens { get; set; }
    public int? CachedTokens { get; set; }
    public double? TtftMs { get; set; }
    public string? FinishReason { get; set; }
}
