using QwenMesh.Engine.Tests.Support;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Tests.Tenancy;

public sealed class InMemoryQuotaStoreTests : QuotaStoreContract
{
    static readonly TimeSpan ClockLease = TimeSpan.FromMilliseconds(400);
    readonly ManualClock _clock = new();
    readonly InMemoryQuotaStore _store;

    public InMemoryQuotaStoreTests() => _store = new InMemoryQuotaStore(_clock, ClockLease);

    protected override TimeSpan Lease => ClockLease;

    protected override IQuotaStore Store => _store;

    protected override Task PassAsync(TimeSpan time)
    {
        _clock.Advance(time);
        return Task.CompletedTask;
    }

    protected override Task<IReadOnlyList<UsageBucket>> UsageAroundNowAsync(string tenant, BucketWidth width) =>
        _store.UsageAsync(tenant, _clock.GetUtcNow().AddDays(-1), _clock.GetUtcNow().AddSeconds(1), width, default);

    [Fact]
    public async Task The_minute_window_slides_so_no_burst_at_a_minute_boundary_doubles_the_limit()
    {
        var tenant = new Tenant("slide", null, 1, 10, new TenantLimits(RequestsPerMinute: 2));
        _clock.Advance(TimeSpan.FromSeconds(59));   // just before a minute boundary
        Assert.True((await _store.AdmitAsync(tenant, "a", 1, default)).Admitted);
        Assert.True((await _store.AdmitAsync(tenant, "b", 1, default)).Admitted);
        _clock.Advance(TimeSpan.FromSeconds(2));    // a fixed window would be empty again here
        var refused = await _store.AdmitAsync(tenant, "c", 1, default);
        Assert.Equal(RefusalReason.Requests, refused.Refusal);
        Assert.Equal(TimeSpan.FromSeconds(58), refused.RetryAfter);
        _clock.Advance(TimeSpan.FromSeconds(58));
        Assert.True((await _store.AdmitAsync(tenant, "c", 1, default)).Admitted);
    }

    [Fact]
    public async Task Tokens_leave_the_window_a_minute_after_their_admission()
    {
        var tenant = new Tenant("tokens", null, 1, 10, new TenantLimits(TokensPerMinute: 100));
        Assert.True((await _store.AdmitAsync(tenant, "a", 60, default)).Admitted);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await _store.AdmitAsync(tenant, "b", 40, default)).Admitted);
        var refused = await _store.AdmitAsync(tenant, "c", 50, default);
        Assert.Equal(RefusalReason.Tokens, refused.Refusal);
        Assert.Equal(TimeSpan.FromSeconds(40), refused.RetryAfter);   // when "a" leaves
        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.True((await _store.AdmitAsync(tenant, "c", 50, default)).Admitted);
    }
}
