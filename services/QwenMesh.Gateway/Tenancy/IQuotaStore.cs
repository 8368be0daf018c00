namespace QwenMesh.Gateway.Tenancy;

/// <summary>Which limit refused a request.</summary>
public enum RefusalReason { Requests, Tokens, Budget, Concurrency }

/// <summary>One limit's state after an admission, for the x-ratelimit-* headers. <paramref name="Limit"/> null: unlimited.</summary>
public readonly record struct RateLimitState(long? Limit, long Remaining, TimeSpan Reset);

/// <summary>
/// The answer to one admission: admitted (the tokens are reserved and a concurrency lease is held), or refused by
/// <see cref="Refusal"/> (nothing is held) with how long to wait. Requests and Tokens are the per-minute limits' states.
/// </summary>
public sealed record QuotaDecision(bool Admitted, RefusalReason? Refusal, TimeSpan RetryAfter, RateLimitState Requests, RateLimitState Tokens);

/// <summary>What a finished request used, as the client was told (or, when it was not told, as decode computed).</summary>
public sealed record RequestUsage(string KeyId, string Model, long InputTokens, long CachedTokens, long OutputTokens)
{
    public long TotalTokens => InputTokens + OutputTokens;
}

/// <summary>Bucket widths of the usage API (OpenAI's 1m, 1h, 1d).</summary>
public enum BucketWidth { Minute, Hour, Day }

/// <summary>One usage bucket's total for one (api key, model).</summary>
public sealed record UsageResult(string ApiKeyId, string Model, long InputTokens, long CachedTokens, long OutputTokens, long Requests);

/// <summary>A usage bucket: [Start, End) in unix seconds, with a result per (api key, model) that had requests in it.</summary>
public sealed record UsageBucket(long Start, long End, IReadOnlyList<UsageResult> Results);

/// <summary>
/// Quota counters shared by every gateway replica (Redis, one atomic script per call) or held by this process.
/// A request is admitted against all of its tenant's limits at once, with its token bound reserved; it is settled to
/// its real usage when it ends, and its concurrency slot is a lease that expires unless renewed.
/// </summary>
public interface IQuotaStore
{
    /// <summary>Admits <paramref name="requestId"/> against every limit of <paramref name="tenant"/>, reserving <paramref name="reservedTokens"/>, or refuses it and holds nothing.</summary>
    Task<QuotaDecision> AdmitAsync(Tenant tenant, string requestId, long reservedTokens, CancellationToken cancellation);

    /// <summary>Lowers a running request's reservation to <paramref name="reservedTokens"/> (its prompt's real size is known); never raises it.</summary>
    Task ReviseAsync(Tenant tenant, string requestId, long reservedTokens, CancellationToken cancellation);

    /// <summary>Keeps an admitted request's concurrency lease alive for another lease period.</summary>
    Task RenewAsync(Tenant tenant, string requestId, CancellationToken cancellation);

    /// <summary>
    /// Ends an admitted request: frees its lease, replaces its reservation (as last revised) by <paramref name="usage"/>'s total in the
    /// windows it was reserved in, and adds the usage to the tenant's usage buckets. Settling twice changes nothing.
    /// </summary>
    Task SettleAsync(Tenant tenant, string requestId, RequestUsage usage, CancellationToken cancellation);

    /// <summary>The tenant's usage in [start, end), bucketed by <paramref name="width"/>.</summary>
    Task<IReadOnlyList<UsageBucket>> UsageAsync(string tenant, DateTimeOffset start, DateTimeOffset end, BucketWidth width, CancellationToken cancellation);
}
