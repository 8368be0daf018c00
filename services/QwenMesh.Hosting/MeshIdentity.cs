using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace QwenMesh.Hosting;

/// <summary>What the gateway vouches for about one request: who sent it, under which key, its fair-share weight and token bound.</summary>
/// <param name="Budget">The tokens the gateway reserved for the request (prompt + completion); decode keeps the request within it. Null: unbounded.</param>
public sealed record RequestIdentity(string Tenant, string KeyId, double Weight, long? Budget);

/// <summary>
/// The identity headers the gateway sets on every request it forwards, signed with a key derived from the mesh secret
/// (HMAC-SHA256 over the request id, the identity and a timestamp), so that decode believes a tenant only from the
/// gateway: a client that reaches decode directly cannot name a tenant, and a signed set cannot be replayed on
/// another request (the request id is signed) or long after (the timestamp is).
/// </summary>
public sealed class MeshIdentity
{
    public const string TenantHeader = "x-qwenmesh-tenant";
    public const string KeyIdHeader = "x-qwenmesh-key-id";
    public const string WeightHeader = "x-qwenmesh-tenant-weight";
    public const string BudgetHeader = "x-qwenmesh-token-budget";
    public const string SignatureHeader = "x-qwenmesh-identity";
    public const string RequestIdHeader = "x-request-id";

    /// <summary>Every header name the mesh reserves: the gateway drops these from client requests.</summary>
    public const string ReservedPrefix = "x-qwenmesh-";

    /// <summary>How far a signature's timestamp may be from the verifier's clock (skew plus a queued request's wait).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    const string Version = "v1";
    readonly byte[]? _key;

    public MeshIdentity(MeshCredential credential)
    {
        // A key of its own, so a signature never equals anything else derived from the secret.
        _key = credential.Secret is null ? null : HMACSHA256.HashData(Encoding.UTF8.GetBytes(credential.Secret), "qwenmesh request identity v1"u8);
    }

    /// <summary>False without a mesh secret: nothing can be signed, so decode believes no tenant header at all.</summary>
    public bool CanSign => _key is not null;

    /// <summary>Sets the identity headers (replacing any of the same name) for the request <paramref name="requestId"/>.</summary>
    public void Sign(IHeaderDictionary headers, string requestId, RequestIdentity identity, DateTimeOffset now)
    {
        if (_key is null) throw new InvalidOperationException("no mesh secret: request identities cannot be signed");
        long timestamp = now.ToUnixTimeSeconds();
        headers[TenantHeader] = identity.Tenant;
        headers[KeyIdHeader] = identity.KeyId;
        headers[WeightHeader] = Weight(identity.Weight);
        if (identity.Budget is { } budget) headers[BudgetHeader] = budget.ToString(CultureInfo.InvariantCulture);
        else headers.Remove(BudgetHeader);
        headers[SignatureHeader] = $"{Version}.{timestamp}.{Convert.ToHexStringLower(Mac(requestId, identity.Tenant, identity.KeyId, headers[WeightHeader]!, headers[BudgetHeader], timestamp))}";
    }

    /// <summary>
    /// The verified identity of a request, null when it carries no identity headers at all;
    /// throws <see cref="UnauthenticatedIdentityException"/> when it carries some that this mesh did not sign (or signed for another request, or too long ago).
    /// </summary>
    public RequestIdentity? Verify(IHeaderDictionary headers, string requestId, DateTimeOffset now)
    {
        bool any = headers.Keys.Any(k => k is TenantHeader or KeyIdHeader or WeightHeader or BudgetHeader or SignatureHeader);
        if (!any) return null;
        if (_key is null) throw new UnauthenticatedIdentityException("this service has no mesh secret, so it cannot verify a tenant header");
        string? tenant = headers[TenantHeader], keyId = headers[KeyIdHeader], weight = headers[WeightHeader], signature = headers[SignatureHeader];
        string? budget = headers[BudgetHeader];
        if (string.IsNullOrEmpty(tenant) || keyId is null || string.IsNullOrEmpty(weight) || string.IsNullOrEmpty(signature))
            throw new UnauthenticatedIdentityException($"incomplete identity headers ({TenantHeader}, {KeyIdHeader}, {WeightHeader} and {SignatureHeader} come together)");
        string[] parts = signature.Split('.');
        if (parts.Length != 3 || parts[0] != Version || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long timestamp))
            throw new UnauthenticatedIdentityException($"malformed {SignatureHeader}");
        byte[] presented;
        try
        {
            presented = Convert.FromHexString(parts[2]);
        }
        catch (FormatException)
        {
            throw new UnauthenticatedIdentityException($"malformed {SignatureHeader}");
        }
        if (!CryptographicOperations.FixedTimeEquals(presented, Mac(requestId, tenant, keyId, weight, budget, timestamp)))
            throw new UnauthenticatedIdentityException("the identity headers are not signed by this mesh's gateway");
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > MaxAge.TotalSeconds)
            throw new UnauthenticatedIdentityException("the identity signature has expired");
        long? bound = budget is null ? null : long.Parse(budget, NumberStyles.None, CultureInfo.InvariantCulture);
        return new RequestIdentity(tenant, keyId, double.Parse(weight, NumberStyles.Float, CultureInfo.InvariantCulture), bound);
    }

    static string Weight(double weight) => weight.ToString("R", CultureInfo.InvariantCulture);

    byte[] Mac(string requestId, string tenant, string keyId, string weight, string? budget, long timestamp) =>
        HMACSHA256.HashData(_key!, Encoding.UTF8.GetBytes(string.Join('\n', Version, timestamp.ToString(CultureInfo.InvariantCulture), requestId, tenant, keyId, weight, budget ?? "")));
}

/// <summary>Identity headers that this mesh did not sign: the request is refused (403), never served as someone.</summary>
public sealed class UnauthenticatedIdentityException(string message) : Exception(message);
