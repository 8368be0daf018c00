namespace QwenMesh.LoadTest.Stats;

/// <summary>
/// What one tenant got in a phase. Succeeded + Refused + Failed = Requests; a refusal (429) is the server
/// applying the tenant's quota, not a fault, so it is counted apart from failures and by kind.
/// </summary>
public sealed record TenantResult
{
    public required string Name { get; init; }
    public required double Weight { get; init; }
    public required int Requests { get; init; }
    public required int Succeeded { get; init; }
    public required int Refused { get; init; }

    /// <summary>Refusals by kind: always requests, tokens and insufficient_quota, then other when seen.</summary>
    public required IReadOnlyDictionary<string, int> Refusals { get; init; }
    public int Failed => Requests - Succeeded - Refused;

    /// <summary>429 answers that were retried (--retry-429), beyond the requests counted above.</summary>
    public required int Retries { get; init; }
    public required long CompletionTokens { get; init; }
    public required Distribution? TtftMs { get; init; }

    /// <summary>The tenant's completion tokens per second of the phase's wall time.</summary>
    public required double ThroughputTokensPerSecond { get; init; }
}
