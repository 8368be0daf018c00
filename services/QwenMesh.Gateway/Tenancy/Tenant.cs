namespace QwenMesh.Gateway.Tenancy;

/// <summary>A tenant's limits; a null limit is unlimited.</summary>
public sealed record TenantLimits(long? RequestsPerMinute = null, long? TokensPerMinute = null, int? MaxConcurrentRequests = null, long? TokensPerDay = null)
{
    public static readonly TenantLimits Unlimited = new();
}

/// <summary>
/// A tenant: the models it may use (null: every model), its weight in fair sharing, its completion-token cap
/// (a request's max_tokens is lowered to it, and a request without one gets it) and its limits.
/// </summary>
public sealed record Tenant(string Name, IReadOnlyList<string>? Models, double Weight, int MaxTokens, TenantLimits Limits)
{
    /// <summary>The one tenant of an open gateway (no admin key): everything allowed, nothing limited.</summary>
    public const string DefaultName = "default";

    public bool MayUse(string model) => Models is null || Models.Contains(model, StringComparer.Ordinal);
}

/// <summary>An API key as stored: never the key itself, only its hash. A rotated key works until <paramref name="ExpiresAt"/> (unix seconds).</summary>
public sealed record ApiKeyRecord(string Id, string Tenant, string Name, string Hash, long CreatedAt, long? ExpiresAt = null);

/// <summary>A key that authenticated, and the tenant it belongs to.</summary>
public sealed record KeyMatch(Tenant Tenant, string KeyId);

/// <summary>A key just made: the record, and the key in clear, shown once.</summary>
public sealed record IssuedKey(ApiKeyRecord Record, string Key);
