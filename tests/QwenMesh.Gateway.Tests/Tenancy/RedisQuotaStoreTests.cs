using QwenMesh.Engine.Tests.Support;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Tests.Tenancy;

/// <summary>The quota scripts against a real Redis (its clock, its atomicity).</summary>
public sealed class RedisQuotaStoreTests(RedisServer redis) : QuotaStoreContract, IClassFixture<RedisServer>
{
    static readonly TimeSpan RealLease = TimeSpan.FromSeconds(2);
    readonly RedisQuotaStore _store = new(redis.Connection, RealLease);

    protected override TimeSpan Lease => RealLease;

    protected override IQuotaStore Store => _store;

    protected override Task PassAsync(TimeSpan time) => Task.Delay(time);

    protected override Task<IReadOnlyList<UsageBucket>> UsageAroundNowAsync(string tenant, BucketWidth width) =>
        _store.UsageAsync(tenant, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddSeconds(5), width, default);
}
