using System.Globalization;
using StackExchange.Redis;

namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// Quota counters in Redis, shared exactly by every gateway replica: each admission, revision, settlement and lease
/// renewal is one Lua script (one round trip, atomic, on Redis's clock). See Scripts/*.lua for the data layout.
/// </summary>
public sealed class RedisQuotaStore(IConnectionMultiplexer redis, TimeSpan lease) : IQuotaStore
{
    static readonly string Admit = Script("admit"), Settle = Script("settle"), Renew = Script("renew");

    IDatabase Db => redis.GetDatabase();

    public async Task<QuotaDecision> AdmitAsync(Tenant tenant, string requestId, long reservedTokens, CancellationToken cancellation)
    {
        var l = tenant.Limits;
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(Admit, [TenancyKeys.Quota(tenant.Name)],
            [requestId, reservedTokens, l.RequestsPerMinute ?? -1, l.TokensPerMinute ?? -1, l.MaxConcurrentRequests ?? -1, l.TokensPerDay ?? -1, (long)lease.TotalMilliseconds]))!;
        return QuotaWindows.Report((int)result[0], (long)result[1], tenant, (long)result[2], (long)result[3], (long)result[4], (long)result[5]);
    }

    public Task ReviseAsync(Tenant tenant, string requestId, long reservedTokens, CancellationToken cancellation) =>
        Db.ScriptEvaluateAsync(Settle, [TenancyKeys.Quota(tenant.Name), TenancyKeys.Usage(tenant.Name)], [requestId, reservedTokens, 0]);

    public Task RenewAsync(Tenant tenant, string requestId, CancellationToken cancellation) =>
        Db.ScriptEvaluateAsync(Renew, [TenancyKeys.Quota(tenant.Name)], [requestId, (long)lease.TotalMilliseconds]);

    public Task SettleAsync(Tenant tenant, string requestId, RequestUsage usage, CancellationToken cancellation) =>
        Db.ScriptEvaluateAsync(Settle, [TenancyKeys.Quota(tenant.Name), TenancyKeys.Usage(tenant.Name)],
            [requestId, usage.TotalTokens, 1, usage.KeyId, QuotaWindows.UsageModel(usage.Model), usage.InputTokens, usage.CachedTokens, usage.OutputTokens]);

    public async Task<IReadOnlyList<UsageBucket>> UsageAsync(string tenant, DateTimeOffset start, DateTimeOffset end, BucketWidth width, CancellationToken cancellation)
    {
        long step = QuotaWindows.Seconds(width);
        string prefix = TenancyKeys.Usage(tenant) + width switch { BucketWidth.Minute => "m", BucketWidth.Hour => "h", _ => "d" } + ":";
        var starts = new List<long>();
        for (long s = start.ToUnixTimeSeconds() - start.ToUnixTimeSeconds() % step; s < end.ToUnixTimeSeconds(); s += step) starts.Add(s);
        var batch = Db.CreateBatch();
        var reads = starts.Select(s => batch.HashGetAllAsync(prefix + s.ToString(CultureInfo.InvariantCulture))).ToList();
        batch.Execute();
        var buckets = new List<UsageBucket>(starts.Count);
        for (int i = 0; i < starts.Count; i++)
            buckets.Add(new UsageBucket(starts[i], starts[i] + step, UsageFields.Results((await reads[i]).Select(e => (e.Name.ToString(), (long)e.Value)))));
        return buckets;
    }

    static string Script(string name)
    {
        using var stream = typeof(RedisQuotaStore).Assembly.GetManifestResourceStream($"QwenMesh.Gateway.Tenancy.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"the quota script {name}.lua is not embedded in the gateway");
        return new StreamReader(stream).ReadToEnd();
    }
}
