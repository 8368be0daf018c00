namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// Tenants and key hashes in this process (a gateway without Redis: one replica). When a tenants file is given, it is
/// the store's durable form: loaded at start, rewritten after every admin change.
/// </summary>
public sealed class InMemoryTenantStore(TimeProvider clock, string? file = null) : ITenantStore
{
    readonly Lock _lock = new();
    readonly Dictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);
    readonly Dictionary<string, ApiKeyRecord> _keysByHash = new(StringComparer.Ordinal);

    /// <summary>Adds the file's tenants and keys (replacing tenants and keys of the same names) without writing the file back.</summary>
    public void Apply(IEnumerable<(Tenant Tenant, IReadOnlyList<ApiKeyRecord> Keys)> tenants)
    {
        lock (_lock)
        {
            foreach (var (tenant, keys) in tenants)
            {
                _tenants[tenant.Name] = tenant;
                foreach (var key in keys)
                {
                    RemoveId(key.Id);
                    _keysByHash[key.Hash] = key;
                }
            }
        }
    }

    public Task<Tenant?> GetTenantAsync(string name, CancellationToken cancellation)
    {
        lock (_lock) return Task.FromResult(_tenants.GetValueOrDefault(name));
    }

    public Task<Tenant> PutTenantAsync(Tenant tenant, CancellationToken cancellation)
    {
        lock (_lock)
        {
            _tenants[tenant.Name] = tenant;
            Persist();
        }
        return Task.FromResult(tenant);
    }

    public Task<bool> DeleteTenantAsync(string name, CancellationToken cancellation)
    {
        lock (_lock)
        {
            if (!_tenants.Remove(name)) return Task.FromResult(false);
            foreach (var hash in _keysByHash.Where(k => k.Value.Tenant == name).Select(k => k.Key).ToList()) _keysByHash.Remove(hash);
            Persist();
            return Task.FromResult(true);
        }
    }

    public Task<KeyMatch?> AuthenticateAsync(string presentedKey, CancellationToken cancellation)
    {
        lock (_lock)
        {
            if (!_keysByHash.TryGetValue(ApiKeys.Hash(presentedKey), out var record) || Expired(record) || !_tenants.TryGetValue(record.Tenant, out var tenant))
                return Task.FromResult<KeyMatch?>(null);
            return Task.FromResult<KeyMatch?>(new KeyMatch(tenant, record.Id));
        }
    }

    public Task<IssuedKey?> CreateKeyAsync(string tenant, string name, CancellationToken cancellation)
    {
        lock (_lock)
        {
            if (!_tenants.ContainsKey(tenant)) return Task.FromResult<IssuedKey?>(null);
            var issued = Issue(tenant, name);
            Persist();
            return Task.FromResult<IssuedKey?>(issued);
        }
    }

    public Task<IssuedKey?> RotateKeyAsync(string id, TimeSpan grace, CancellationToken cancellation)
    {
        lock (_lock)
        {
            if (Find(id) is not { } old) return Task.FromResult<IssuedKey?>(null);
            var issued = Issue(old.Tenant, old.Name);
            long expires = clock.GetUtcNow().ToUnixTimeSeconds() + (long)Math.Ceiling(grace.TotalSeconds);
            if (grace <= TimeSpan.Zero) _keysByHash.Remove(old.Hash);
            else _keysByHash[old.Hash] = old with { ExpiresAt = old.ExpiresAt is { } e ? Math.Min(e, expires) : expires };
            Persist();
            return Task.FromResult<IssuedKey?>(issued);
        }
    }

    public Task<bool> RevokeKeyAsync(string id, CancellationToken cancellation)
    {
        lock (_lock)
        {
            bool removed = RemoveId(id);
            if (removed) Persist();
            return Task.FromResult(removed);
        }
    }

    IssuedKey Issue(string tenant, string name)
    {
        var (id, key) = ApiKeys.New();
        var record = new ApiKeyRecord(id, tenant, name, ApiKeys.Hash(key), clock.GetUtcNow().ToUnixTimeSeconds());
        _keysByHash[record.Hash] = record;
        return new IssuedKey(record, key);
    }

    ApiKeyRecord? Find(string id) => _keysByHash.Values.FirstOrDefault(k => k.Id == id && !Expired(k));

    bool RemoveId(string id)
    {
        var hashes = _keysByHash.Where(k => k.Value.Id == id).Select(k => k.Key).ToList();
        foreach (var hash in hashes) _keysByHash.Remove(hash);
        return hashes.Count > 0;
    }

    bool Expired(ApiKeyRecord key) => key.ExpiresAt is { } at && clock.GetUtcNow().ToUnixTimeSeconds() >= at;

    void Persist()
    {
        if (file is null) return;
        foreach (var hash in _keysByHash.Where(k => Expired(k.Value)).Select(k => k.Key).ToList()) _keysByHash.Remove(hash);
        TenantFile.Save(file, _tenants.Values.Select(t => (t, (IReadOnlyList<ApiKeyRecord>)_keysByHash.Values.Where(k => k.Tenant == t.Name).OrderBy(k => k.Id).ToList())));
    }
}
