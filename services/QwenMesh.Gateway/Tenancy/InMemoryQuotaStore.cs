namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// Quota counters of a single gateway without Redis: the same windows and rules as <see cref="RedisQuotaStore"/>
/// (Scripts/admit.lua and settle.lua), under one lock. The contract tests run both against the same cases.
/// </summary>
public sealed class InMemoryQuotaStore(TimeProvider clock, TimeSpan lease) : IQuotaStore
{
    sealed class Counters
    {
        public readonly Queue<(long At, string Id)> Requests = new();
        public readonly LinkedList<(long At, string Id)> Tokens = new();
        public readonly Dictionary<string, long> TokenAmounts = new(StringComparer.Ordinal);
        public long TokensInWindow;
        public readonly Dictionary<string, long> Leases = new(StringComparer.Ordinal);
        public readonly Dictionary<long, long> Days = [];
        public readonly Dictionary<string, (long Reserved, long Day, bool Tpm, bool Tpd)> Reservations = new(StringComparer.Ordinal);
        public readonly Dictionary<(BucketWidth Width, long Start), Dictionary<string, long>> Usage = [];
    }

    const long DayMs = 86_400_000;
    readonly long _window = (long)QuotaWindows.Window.TotalMilliseconds;
    readonly Lock _lock = new();
    readonly Dictionary<string, Counters> _tenants = new(StringComparer.Ordinal);

    long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    Counters Of(string tenant) => _tenants.TryGetValue(tenant, out var c) ? c : _tenants[tenant] = new Counters();

    public Task<QuotaDecision> AdmitAsync(Tenant tenant, string requestId, long reservedTokens, CancellationToken cancellation)
    {
        lock (_lock)
        {
            long now = Now, day = now / DayMs;
            var c = Of(tenant.Name);
            var l = tenant.Limits;
            Slide(c, now);
            long spent = c.Days.GetValueOrDefault(day);
            int refusal = 0;
            long retry = 0;
            if (l.TokensPerDay is { } tpd && spent + reservedTokens > tpd) (refusal, retry) = (3, (day + 1) * DayMs - now);
            else if (l.RequestsPerMinute is { } rpm && c.Requests.Count >= rpm) (refusal, retry) = (1, OldestLeavesIn(c.Requests.Select(r => r.At), now));
            else if (l.TokensPerMinute is { } tpm && c.TokensInWindow + reservedTokens > tpm)
                (refusal, retry) = (2, reservedTokens > tpm ? _window : TokensFreeIn(c, c.TokensInWindow + reservedTokens - tpm, now));
            else if (l.MaxConcurrentRequests is { } concurrent && c.Leases.Count >= concurrent) (refusal, retry) = (4, 1000);
            if (refusal == 0)
            {
                if (l.RequestsPerMinute is not null) c.Requests.Enqueue((now, requestId));
                if (l.TokensPerMinute is not null)
                {
                    c.Tokens.AddLast((now, requestId));
                    c.TokenAmounts[requestId] = reservedTokens;
                    c.TokensInWindow += reservedTokens;
                }
                if (l.TokensPerDay is not null) c.Days[day] = spent + reservedTokens;
                if (l.MaxConcurrentRequests is not null) c.Leases[requestId] = now + (long)lease.TotalMilliseconds;
                c.Reservations[requestId] = (reservedTokens, day, l.TokensPerMinute is not null, l.TokensPerDay is not null);
            }
            return Task.FromResult(QuotaWindows.Report(refusal, retry, tenant, c.Requests.Count, OldestLeavesIn(c.Requests.Select(r => r.At), now),
                c.TokensInWindow, OldestLeavesIn(c.Tokens.Select(t => t.At), now)));
        }
    }

    public Task ReviseAsync(Tenant tenant, string requestId, long reservedTokens, CancellationToken cancellation)
    {
        lock (_lock) Replace(Of(tenant.Name), requestId, reservedTokens, final: false);
        return Task.CompletedTask;
    }

    public Task RenewAsync(Tenant tenant, string requestId, CancellationToken cancellation)
    {
        lock (_lock)
        {
            var c = Of(tenant.Name);
            if (c.Leases.ContainsKey(requestId)) c.Leases[requestId] = Now + (long)lease.TotalMilliseconds;
        }
        return Task.CompletedTask;
    }

    public Task SettleAsync(Tenant tenant, string requestId, RequestUsage usage, CancellationToken cancellation)
    {
        lock (_lock)
        {
            var c = Of(tenant.Name);
            if (!Replace(c, requestId, usage.TotalTokens, final: true)) return Task.CompletedTask;
            long second = Now / 1000;
            foreach (BucketWidth width in Enum.GetValues<BucketWidth>())
            {
                long step = QuotaWindows.Seconds(width);
                var key = (width, second - second % step);
                if (!c.Usage.TryGetValue(key, out var fields)) c.Usage[key] = fields = new Dictionary<string, long>(StringComparer.Ordinal);
                Add(fields, UsageFields.Field(usage.KeyId, usage.Model, "input"), usage.InputTokens);
                Add(fields, UsageFields.Field(usage.KeyId, usage.Model, "cached"), usage.CachedTokens);
                Add(fields, UsageFields.Field(usage.KeyId, usage.Model, "output"), usage.OutputTokens);
                Add(fields, UsageFields.Field(usage.KeyId, usage.Model, "requests"), 1);
            }
            foreach (var old in c.Usage.Keys.Where(k => k.Start * 1000 < Now - (long)QuotaWindows.Retention(k.Width).TotalMilliseconds).ToList()) c.Usage.Remove(old);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UsageBucket>> UsageAsync(string tenant, DateTimeOffset start, DateTimeOffset end, BucketWidth width, CancellationToken cancellation)
    {
        lock (_lock)
        {
            var c = Of(tenant);
            long step = QuotaWindows.Seconds(width);
            var buckets = new List<UsageBucket>();
            for (long s = start.ToUnixTimeSeconds() - start.ToUnixTimeSeconds() % step; s < end.ToUnixTimeSeconds(); s += step)
            {
                var fields = c.Usage.GetValueOrDefault((width, s));
                buckets.Add(new UsageBucket(s, s + step, UsageFields.Results(fields?.Select(f => (f.Key, f.Value)) ?? [])));
            }
            return Task.FromResult<IReadOnlyList<UsageBucket>>(buckets);
        }
    }

    /// <summary>Settle (final) or lower (not final) a reservation; false when the request holds none (already settled, or never admitted).</summary>
    static bool Replace(Counters c, string requestId, long tokens, bool final)
    {
        if (final) c.Leases.Remove(requestId);
        if (!c.Reservations.TryGetValue(requestId, out var r)) return false;
        long delta = tokens - r.Reserved;
        if (!final && delta >= 0) return false;
        if (r.Tpm && c.TokenAmounts.ContainsKey(requestId))
        {
            c.TokenAmounts[requestId] += delta;
            c.TokensInWindow += delta;
        }
        if (r.Tpd && c.Days.ContainsKey(r.Day)) c.Days[r.Day] += delta;
        if (final) c.Reservations.Remove(requestId);
        else c.Reservations[requestId] = r with { Reserved = tokens };
        return true;
    }

    void Slide(Counters c, long now)
    {
        while (c.Requests.Count > 0 && c.Requests.Peek().At <= now - _window) c.Requests.Dequeue();
        while (c.Tokens.First is { } first && first.Value.At <= now - _window)
        {
            c.TokensInWindow -= c.TokenAmounts[first.Value.Id];
            c.TokenAmounts.Remove(first.Value.Id);
            c.Tokens.RemoveFirst();
        }
        foreach (var expired in c.Leases.Where(l => l.Value <= now).Select(l => l.Key).ToList()) c.Leases.Remove(expired);
        foreach (var day in c.Days.Keys.Where(d => d < now / DayMs - 1).ToList()) c.Days.Remove(day);
        // A reservation outlives any request (26 h, as in Redis): forget what was never settled.
        foreach (var stale in c.Reservations.Where(r => r.Value.Day < now / DayMs - 1).Select(r => r.Key).ToList()) c.Reservations.Remove(stale);
    }

    long OldestLeavesIn(IEnumerable<long> admittedAt, long now) => admittedAt.Select(at => at + _window - now).DefaultIfEmpty(_window).First();

    long TokensFreeIn(Counters c, long need, long now)
    {
        long freed = 0;
        foreach (var (at, id) in c.Tokens)
        {
            freed += c.TokenAmounts[id];
            if (freed >= need) return at + _window - now;
        }
        return _window;
    }

    static void Add(Dictionary<string, long> fields, string field, long value) => fields[field] = fields.GetValueOrDefault(field) + value;
}
