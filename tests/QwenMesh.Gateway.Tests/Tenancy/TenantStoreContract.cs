using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Tests.Tenancy;

/// <summary>What every tenant store must do, in Redis and in process: keys that authenticate, rotate with a grace, revoke at once.</summary>
public abstract class TenantStoreContract
{
    protected abstract ITenantStore Store { get; }

    /// <summary>Lets time pass (real time for Redis's expiry, the test's clock in process).</summary>
    protected abstract Task PassAsync(TimeSpan time);

    static Tenant NewTenant() => new($"t{Guid.NewGuid():N}"[..20], ["m"], 2, 64, new TenantLimits(RequestsPerMinute: 5));

    [Fact]
    public async Task A_key_authenticates_as_its_tenant_and_is_stored_only_as_a_hash()
    {
        var tenant = await Store.PutTenantAsync(NewTenant(), default);
        var issued = (await Store.CreateKeyAsync(tenant.Name, "ci", default))!;
        Assert.StartsWith(ApiKeys.KeyPrefix, issued.Key);
        Assert.StartsWith(ApiKeys.IdPrefix, issued.Record.Id);
        Assert.Equal(ApiKeys.Hash(issued.Key), issued.Record.Hash);
        Assert.DoesNotContain(issued.Key, issued.Record.Hash);
        var match = await Store.AuthenticateAsync(issued.Key, default);
        Assert.Equal((tenant.Name, 2.0, 64, tenant.Limits, issued.Record.Id), (match!.Tenant.Name, match.Tenant.Weight, match.Tenant.MaxTokens, match.Tenant.Limits, match.KeyId));
        Assert.Equal(["m"], match.Tenant.Models!);
        Assert.Null(await Store.AuthenticateAsync(issued.Key + "x", default));
        Assert.Null(await Store.CreateKeyAsync("no-such-tenant", "x", default));
    }

    [Fact]
    public async Task A_changed_tenant_applies_to_its_keys_at_once()
    {
        var tenant = await Store.PutTenantAsync(NewTenant(), default);
        var issued = (await Store.CreateKeyAsync(tenant.Name, "", default))!;
        await Store.PutTenantAsync(tenant with { MaxTokens = 8, Limits = TenantLimits.Unlimited }, default);
        var match = await Store.AuthenticateAsync(issued.Key, default);
        Assert.Equal(8, match!.Tenant.MaxTokens);
        Assert.Equal(TenantLimits.Unlimited, match.Tenant.Limits);
    }

    [Fact]
    public async Task A_rotated_key_works_for_its_grace_and_a_revoked_one_not_at_all()
    {
        var tenant = await Store.PutTenantAsync(NewTenant(), default);
        var old = (await Store.CreateKeyAsync(tenant.Name, "rotating", default))!;
        var fresh = (await Store.RotateKeyAsync(old.Record.Id, TimeSpan.FromSeconds(1), default))!;
        Assert.Equal("rotating", fresh.Record.Name);
        Assert.NotNull(await Store.AuthenticateAsync(old.Key, default));
        Assert.NotNull(await Store.AuthenticateAsync(fresh.Key, default));
        await PassAsync(TimeSpan.FromSeconds(2.1));
        Assert.Null(await Store.AuthenticateAsync(old.Key, default));
        Assert.NotNull(await Store.AuthenticateAsync(fresh.Key, default));
        Assert.True(await Store.RevokeKeyAsync(fresh.Record.Id, default));
        Assert.Null(await Store.AuthenticateAsync(fresh.Key, default));
        Assert.False(await Store.RevokeKeyAsync(fresh.Record.Id, default));
        Assert.Null(await Store.RotateKeyAsync("key_unknown", TimeSpan.Zero, default));
    }

    [Fact]
    public async Task Deleting_a_tenant_revokes_its_keys()
    {
        var tenant = await Store.PutTenantAsync(NewTenant(), default);
        var issued = (await Store.CreateKeyAsync(tenant.Name, "", default))!;
        Assert.True(await Store.DeleteTenantAsync(tenant.Name, default));
        Assert.Null(await Store.GetTenantAsync(tenant.Name, default));
        Assert.Null(await Store.AuthenticateAsync(issued.Key, default));
        Assert.False(await Store.RevokeKeyAsync(issued.Record.Id, default));
        Assert.False(await Store.DeleteTenantAsync(tenant.Name, default));
    }
}

public sealed class InMemoryTenantStoreTests : TenantStoreContract
{
    readonly Engine.Tests.Support.ManualClock _clock = new();
    readonly InMemoryTenantStore _store;

    public InMemoryTenantStoreTests() => _store = new InMemoryTenantStore(_clock);

    protected override ITenantStore Store => _store;

    protected override Task PassAsync(TimeSpan time)
    {
        _clock.Advance(time);
        return Task.CompletedTask;
    }
}

public sealed class RedisTenantStoreTests(Engine.Tests.Support.RedisServer redis) : TenantStoreContract, IClassFixture<Engine.Tests.Support.RedisServer>
{
    readonly RedisTenantStore _store = new(redis.Connection, TimeProvider.System);

    protected override ITenantStore Store => _store;

    protected override Task PassAsync(TimeSpan time) => Task.Delay(time);
}
