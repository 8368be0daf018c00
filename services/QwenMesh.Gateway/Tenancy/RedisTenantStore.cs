using System.Text.Json;
using StackExchange.Redis;

namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// Tenants and key hashes in Redis, shared by every gateway replica. Nothing is cached: each request reads its key and
/// tenant, so a revoked key or a changed limit applies on every replica at the next request. A rotated key's record
/// gets a Redis expiry at the end of its grace, so it disappears by itself.
/// </summary>
public sealed class RedisTenantStore(IConnectionMultiplexer redis, TimeProvider clock) : ITenantStore
{
    IDatabase Db => redis.GetDatabase();

    public async Task<Tenant?> GetTenantAsync(string name, CancellationToken cancellation)
    {
        RedisValue json = await Db.StringGetAsync(TenancyKeys.Tenant(name));
        return json.IsNull ? null : JsonSerializer.Deserialize<TenantDocument>(json.ToString(), TenantDocument.Json)!.ToTenant(name);
    }

    public async Task<Tenant> PutTenantAsync(Tenant tenant, CancellationToken cancellation)
    {
        await Db.StringSetAsync(TenancyKeys.Tenant(tenant.Name), JsonSerializer.Serialize(TenantDocument.From(tenant) with { Name = null }, TenantDocument.Json));
        return tenant;
    }

    public async Task<bool> DeleteTenantAsync(string name, CancellationToken cancellation)
    {
        var db = Db;
        if (!await db.KeyDeleteAsync(TenancyKeys.Tenant(name))) return false;
        foreach (RedisValue id in await db.SetMembersAsync(TenancyKeys.TenantKeys(name))) await RevokeKeyAsync(id.ToString(), cancellation);
        await db.KeyDeleteAsync(TenancyKeys.TenantKeys(name));
        return true;
    }

    public async Task<KeyMatch?> AuthenticateAsync(string presentedKey, CancellationToken cancellation)
    {
        RedisValue json = await Db.StringGetAsync(TenancyKeys.ApiKey(ApiKeys.Hash(presentedKey)));
        if (json.IsNull) return null;
        var record = Read(json);
        if (record.ExpiresAt is { } at && clock.GetUtcNow().ToUnixTimeSeconds() >= at) return null;
        var tenant = await GetTenantAsync(record.Tenant, cancellation);
        return tenant is null ? null : new KeyMatch(tenant, record.Id);
    }

    public async Task<IssuedKey?> CreateKeyAsync(string tenant, string name, CancellationToken cancellation)
    {
        if (!await Db.KeyExistsAsync(TenancyKeys.Tenant(tenant))) return null;
        var (id, key) = ApiKeys.New();
        var record = new ApiKeyRecord(id, tenant, name, ApiKeys.Hash(key), clock.GetUtcNow().ToUnixTimeSeconds());
        await StoreAsync(record);
        return new IssuedKey(record, key);
    }

    /// <summary>Stores a key record (the tenants file's keys at start, or a new one).</summary>
    public async Task StoreAsync(ApiKeyRecord record)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(TenancyKeys.ApiKey(record.Hash), Write(record));
        _ = transaction.StringSetAsync(TenancyKeys.KeyId(record.Id), record.Hash);
        _ = transaction.SetAddAsync(TenancyKeys.TenantKeys(record.Tenant), record.Id);
        await transaction.ExecuteAsync();
    }

    public async Task<IssuedKey?> RotateKeyAsync(string id, TimeSpan grace, CancellationToken cancellation)
    {
        var db = Db;
        RedisValue hash = await db.StringGetAsync(TenancyKeys.KeyId(id));
        if (hash.IsNull) return null;
        RedisValue json = await db.StringGetAsync(TenancyKeys.ApiKey(hash.ToString()));
        if (json.IsNull) return null;
        var old = Read(json);
        var issued = await CreateKeyAsync(old.Tenant, old.Name, cancellation);
        if (issued is null) return null;
        if (grace <= TimeSpan.Zero)
        {
            await RevokeKeyAsync(id, cancellation);
            return issued;
        }
        long expires = clock.GetUtcNow().ToUnixTimeSeconds() + (long)Math.Ceiling(grace.TotalSeconds);
        var transaction = db.CreateTransaction();
        _ = transaction.StringSetAsync(TenancyKeys.ApiKey(old.Hash), Write(old with { ExpiresAt = expires }), grace);
        _ = transaction.KeyExpireAsync(TenancyKeys.KeyId(id), grace);
        _ = transaction.SetRemoveAsync(TenancyKeys.TenantKeys(old.Tenant), id);
        await transaction.ExecuteAsync();
        return issued;
    }

    public async Task<bool> RevokeKeyAsync(string id, CancellationToken cancellation)
    {
        var db = Db;
        RedisValue hash = await db.StringGetAsync(TenancyKeys.KeyId(id));
        if (hash.IsNull) return false;
        RedisValue json = await db.StringGetAsync(TenancyKeys.ApiKey(hash.ToString()));
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(TenancyKeys.ApiKey(hash.ToString()));
        _ = transaction.KeyDeleteAsync(TenancyKeys.KeyId(id));
        if (!json.IsNull) _ = transaction.SetRemoveAsync(TenancyKeys.TenantKeys(Read(json).Tenant), id);
        await transaction.ExecuteAsync();
        return true;
    }

    static RedisValue Write(ApiKeyRecord record) => JsonSerializer.Serialize(new StoredKey(record.Tenant, new KeyDocument(record.Id, record.Name, record.Hash, record.CreatedAt, record.ExpiresAt)), TenantDocument.Json);

    static ApiKeyRecord Read(RedisValue json)
    {
        var stored = JsonSerializer.Deserialize<StoredKey>(json.ToString(), TenantDocument.Json)!;
        var k = stored.Key;
        return new ApiKeyRecord(k.Id, stored.Tenant, k.Name ?? "", k.Hash, k.CreatedAt, k.ExpiresAt);
    }

    sealed record StoredKey(string Tenant, KeyDocument Key);
}
