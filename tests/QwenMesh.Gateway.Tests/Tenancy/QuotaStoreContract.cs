using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Tests.Tenancy;

/// <summary>
/// What every quota store must do, run against Redis (the scripts) and against the in-process store: exact limits
/// under concurrent admissions, reservations settled to usage, leases that free, refusals that hold nothing.
/// </summary>
public abstract class QuotaStoreContract
{
    /// <summary>
    /// How long the store's leases last. On a real clock its last 40% is the slack a busy machine may stall for
    /// between a renewal and the check that the lease still holds, so a real-time store needs a longer one.
    /// </summary>
    protected abstract TimeSpan Lease { get; }

    /// <summary>A store whose leases last <see cref="Lease"/>.</summary>
    protected abstract IQuotaStore Store { get; }

    /// <summary>Lets a lease expire: real time for Redis (its own clock), the test's clock in process.</summary>
    protected abstract Task PassAsync(TimeSpan time);

    static Tenant NewTenant(TenantLimits limits) => new($"t{Guid.NewGuid():N}", null, 1, 100, limits);
    static string Id() => Guid.NewGuid().ToString("N");
    static RequestUsage Used(long input, long output) => new("key_1", "m", input, 0, output);

    [Fact]
    public async Task Requests_per_minute_admit_exactly_the_limit_out_of_many_concurrent_requests()
    {
        var tenant = NewTenant(new TenantLimits(RequestsPerMinute: 50));
        var decisions = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => Store.AdmitAsync(tenant, Id(), 10, default))));
        Assert.Equal(50, decisions.Count(d => d.Admitted));
        Assert.All(decisions.Where(d => !d.Admitted), d =>
        {
            Assert.Equal(RefusalReason.Requests, d.Refusal);
            Assert.InRange(d.RetryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
            Assert.Equal(0, d.Requests.Remaining);
        });
        Assert.Equal(50, decisions.Where(d => d.Admitted).Select(d => d.Requests.Remaining).Distinct().Count());
    }

    [Fact]
    public async Task Concurrent_reservations_never_exceed_tokens_per_minute()
    {
        var tenant = NewTenant(new TenantLimits(TokensPerMinute: 1000));
        var decisions = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => Store.AdmitAsync(tenant, Id(), 30, default))));
        Assert.Equal(33, decisions.Count(d => d.Admitted));
        Assert.All(decisions.Where(d => !d.Admitted), d => Assert.Equal(RefusalReason.Tokens, d.Refusal));
        Assert.All(decisions, d => Assert.InRange(d.Tokens.Remaining, 0, 1000));
    }

    [Fact]
    public async Task Settling_to_real_usage_gives_back_the_unused_reservation_once()
    {
        var tenant = NewTenant(new TenantLimits(TokensPerMinute: 100));
        string first = Id();
        Assert.True((await Store.AdmitAsync(tenant, first, 90, default)).Admitted);
        Assert.Equal(RefusalReason.Tokens, (await Store.AdmitAsync(tenant, Id(), 20, default)).Refusal);
        await Store.SettleAsync(tenant, first, Used(5, 5), default);
        await Store.SettleAsync(tenant, first, Used(5, 5), default);   // a second settlement changes nothing
        var next = await Store.AdmitAsync(tenant, Id(), 80, default);
        Assert.True(next.Admitted);
        Assert.Equal(10, next.Tokens.Remaining);
    }

    [Fact]
    public async Task A_revision_only_lowers_the_reservation()
    {
        var tenant = NewTenant(new TenantLimits(TokensPerMinute: 100));
        string id = Id();
        Assert.True((await Store.AdmitAsync(tenant, id, 60, default)).Admitted);
        await Store.ReviseAsync(tenant, id, 90, default);   // a raise is ignored: 40 tokens are still free
        var second = await Store.AdmitAsync(tenant, Id(), 40, default);
        Assert.True(second.Admitted);
        Assert.Equal(0, second.Tokens.Remaining);
        await Store.ReviseAsync(tenant, id, 30, default);
        var after = await Store.AdmitAsync(tenant, Id(), 30, default);
        Assert.True(after.Admitted, "the revision freed 30 tokens");
        Assert.Equal(0, after.Tokens.Remaining);
    }

    [Fact]
    public async Task A_daily_budget_refuses_with_budget_once_spent_and_settlement_counts_real_usage()
    {
        var tenant = NewTenant(new TenantLimits(TokensPerDay: 100));
        string id = Id();
        Assert.True((await Store.AdmitAsync(tenant, id, 100, default)).Admitted);
        var refused = await Store.AdmitAsync(tenant, Id(), 1, default);
        Assert.Equal(RefusalReason.Budget, refused.Refusal);
        Assert.True(refused.RetryAfter <= TimeSpan.FromDays(1));
        await Store.SettleAsync(tenant, id, Used(40, 20), default);
        Assert.True((await Store.AdmitAsync(tenant, Id(), 40, default)).Admitted);
        Assert.Equal(RefusalReason.Budget, (await Store.AdmitAsync(tenant, Id(), 1, default)).Refusal);
    }

    [Fact]
    public async Task A_concurrency_slot_is_freed_by_settlement_at_once_and_by_its_lease_expiring()
    {
        var tenant = NewTenant(new TenantLimits(MaxConcurrentRequests: 1));
        string first = Id();
        Assert.True((await Store.AdmitAsync(tenant, first, 1, default)).Admitted);
        Assert.Equal(RefusalReason.Concurrency, (await Store.AdmitAsync(tenant, Id(), 1, default)).Refusal);
        await Store.SettleAsync(tenant, first, Used(1, 0), default);
        string second = Id();
        Assert.True((await Store.AdmitAsync(tenant, second, 1, default)).Admitted);
        // Renewed, the lease outlives its first period; then its gateway "dies" and it expires by itself.
        await PassAsync(Lease * 0.6);
        await Store.RenewAsync(tenant, second, default);
        await PassAsync(Lease * 0.6);
        Assert.Equal(RefusalReason.Concurrency, (await Store.AdmitAsync(tenant, Id(), 1, default)).Refusal);
        await PassAsync(Lease * 0.6);
        Assert.True((await Store.AdmitAsync(tenant, Id(), 1, default)).Admitted);
    }

    [Fact]
    public async Task A_refusal_holds_nothing_against_the_other_limits()
    {
        var tenant = NewTenant(new TenantLimits(RequestsPerMinute: 2, TokensPerMinute: 100));
        Assert.True((await Store.AdmitAsync(tenant, Id(), 90, default)).Admitted);
        // Refused on tokens: it must not use up a request.
        Assert.Equal(RefusalReason.Tokens, (await Store.AdmitAsync(tenant, Id(), 50, default)).Refusal);
        var second = await Store.AdmitAsync(tenant, Id(), 10, default);
        Assert.True(second.Admitted);
        Assert.Equal(0, second.Requests.Remaining);
    }

    [Fact]
    public async Task Settled_usage_is_bucketed_per_key_and_model()
    {
        var tenant = NewTenant(TenantLimits.Unlimited);
        foreach (var (key, model, input) in new[] { ("key_a", "m1", 10L), ("key_a", "m1", 5L), ("key_b", "m2", 7L) })
        {
            string id = Id();
            Assert.True((await Store.AdmitAsync(tenant, id, 100, default)).Admitted);
            await Store.SettleAsync(tenant, id, new RequestUsage(key, model, input, 2, 3), default);
        }
        foreach (var width in Enum.GetValues<BucketWidth>())
        {
            var buckets = await UsageAroundNowAsync(tenant.Name, width);
            Assert.All(buckets, b => Assert.Equal(QuotaWindows.Seconds(width), b.End - b.Start));
            // Totals over the buckets: the settlements may straddle a bucket boundary.
            var totals = buckets.SelectMany(b => b.Results).GroupBy(r => (r.ApiKeyId, r.Model))
                .ToDictionary(g => g.Key, g => (g.Sum(r => r.InputTokens), g.Sum(r => r.CachedTokens), g.Sum(r => r.OutputTokens), g.Sum(r => r.Requests)));
            Assert.Equal(2, totals.Count);
            Assert.Equal((15L, 4L, 6L, 2L), totals[("key_a", "m1")]);
            Assert.Equal((7L, 2L, 3L, 1L), totals[("key_b", "m2")]);
        }
    }

    /// <summary>The buckets around the store's own "now".</summary>
    protected abstract Task<IReadOnlyList<UsageBucket>> UsageAroundNowAsync(string tenant, BucketWidth width);
}
