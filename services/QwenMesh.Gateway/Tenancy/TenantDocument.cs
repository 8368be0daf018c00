using System.Text.Json;
using System.Text.Json.Serialization;

namespace QwenMesh.Gateway.Tenancy;

/// <summary>A tenant's limits as the admin API and the tenants file write them; an absent limit is unlimited.</summary>
public sealed record LimitsDocument(
    [property: JsonPropertyName("requests_per_minute")] long? RequestsPerMinute = null,
    [property: JsonPropertyName("tokens_per_minute")] long? TokensPerMinute = null,
    [property: JsonPropertyName("max_concurrent_requests")] int? MaxConcurrentRequests = null,
    [property: JsonPropertyName("tokens_per_day")] long? TokensPerDay = null);

/// <summary>A key as the tenants file holds it: its hash, never the key.</summary>
public sealed record KeyDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("expires_at")] long? ExpiresAt = null);

/// <summary>
/// The one tenant schema: the body of PUT /admin/v1/tenants/{name} (without name and keys), what the admin API answers
/// (with name), and an entry of the tenants file (with name and keys).
/// </summary>
public sealed record TenantDocument(
    [property: JsonPropertyName("name")] string? Name = null,
    [property: JsonPropertyName("models")] IReadOnlyList<string>? Models = null,
    [property: JsonPropertyName("weight")] double? Weight = null,
    [property: JsonPropertyName("max_tokens")] int? MaxTokens = null,
    [property: JsonPropertyName("limits")] LimitsDocument? Limits = null,
    [property: JsonPropertyName("keys"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<KeyDocument>? Keys = null)
{
    public const double DefaultWeight = 1;
    public const int DefaultMaxTokens = 4096;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>The tenant this document describes, or the first thing wrong with it.</summary>
    public Tenant ToTenant(string name)
    {
        if (!TenantNames.IsValid(name)) throw new TenancyException("name", $"tenant name '{name}' must be 1-64 of A-Z a-z 0-9 . _ -");
        double weight = Weight ?? DefaultWeight;
        if (!(weight > 0) || double.IsInfinity(weight) || weight > 1e6) throw new TenancyException("weight", "weight must be a positive number (at most 1e6)");
        int maxTokens = MaxTokens ?? DefaultMaxTokens;
        if (maxTokens < 1) throw new TenancyException("max_tokens", "max_tokens must be at least 1");
        if (Models is { } models && models.Any(m => string.IsNullOrWhiteSpace(m)))
            throw new TenancyException("models", "models must be null (every model) or a list of model names");
        var l = Limits ?? new LimitsDocument();
        Positive("limits.requests_per_minute", l.RequestsPerMinute);
        Positive("limits.tokens_per_minute", l.TokensPerMinute);
        Positive("limits.max_concurrent_requests", l.MaxConcurrentRequests);
        Positive("limits.tokens_per_day", l.TokensPerDay);
        return new Tenant(name, Models?.ToList(), weight, maxTokens, new TenantLimits(l.RequestsPerMinute, l.TokensPerMinute, l.MaxConcurrentRequests, l.TokensPerDay));
    }

    public static TenantDocument From(Tenant tenant, IReadOnlyList<ApiKeyRecord>? keys = null) => new(
        tenant.Name, tenant.Models, tenant.Weight, tenant.MaxTokens,
        new LimitsDocument(tenant.Limits.RequestsPerMinute, tenant.Limits.TokensPerMinute, tenant.Limits.MaxConcurrentRequests, tenant.Limits.TokensPerDay),
        keys?.Select(k => new KeyDocument(k.Id, k.Name, k.Hash, k.CreatedAt, k.ExpiresAt)).ToList());

    /// <summary>The file's keys of this tenant, checked.</summary>
    public IReadOnlyList<ApiKeyRecord> ToKeys(string tenant) => (Keys ?? []).Select(k =>
    {
        if (!ApiKeys.IsId(k.Id)) throw new TenancyException("keys.id", $"key id '{k.Id}' must be key_ and 1-64 of a-z 0-9 _ -");
        if (!ApiKeys.IsHash(k.Hash)) throw new TenancyException("keys.hash", $"key {k.Id}: hash must be sha256: and 64 lowercase hex digits (the key's SHA-256; never the key itself)");
        return new ApiKeyRecord(k.Id, tenant, k.Name ?? "", k.Hash, k.CreatedAt, k.ExpiresAt);
    }).ToList();

    static void Positive(string field, long? value)
    {
        if (value is < 1) throw new TenancyException(field, $"{field} must be at least 1, or absent for unlimited");
    }
}

/// <summary>A tenant, key or tenants file that does not hold together; <see cref="Param"/> names the field.</summary>
public sealed class TenancyException(string param, string message) : Exception(message)
{
    public string Param { get; } = param;
}
