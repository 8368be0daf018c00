namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// The shape both quota stores share: per-minute limits over a window that slides (so no burst at a minute's edge
/// doubles a limit, as fixed windows allow), the daily budget over the UTC day, and how an admission is reported.
/// </summary>
public static class QuotaWindows
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>How long each usage bucket width is kept (like OpenAI: minutes for days, hours for a month, days for a year).</summary>
    public static TimeSpan Retention(BucketWidth width) => width switch
    {
        BucketWidth.Minute => TimeSpan.FromDays(2),
        BucketWidth.Hour => TimeSpan.FromDays(35),
        _ => TimeSpan.FromDays(400),
    };

    public static long Seconds(BucketWidth width) => width switch { BucketWidth.Minute => 60, BucketWidth.Hour => 3600, _ => 86400 };

    /// <summary>A model name as a usage key holds it (no control characters: they separate the key's fields).</summary>
    public static string UsageModel(string model) => new(model.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    public static QuotaDecision Report(int refusal, long retryMs, Tenant tenant, long requests, long requestsResetMs, long tokens, long tokensResetMs) => new(
        refusal == 0,
        refusal == 0 ? null : (RefusalReason)(refusal - 1),
        TimeSpan.FromMilliseconds(Math.Max(1, retryMs)),
        new RateLimitState(tenant.Limits.RequestsPerMinute, (tenant.Limits.RequestsPerMinute ?? 0) - requests, TimeSpan.FromMilliseconds(Math.Max(0, requestsResetMs))),
        new RateLimitState(tenant.Limits.TokensPerMinute, (tenant.Limits.TokensPerMinute ?? 0) - tokens, TimeSpan.FromMilliseconds(Math.Max(0, tokensResetMs))));
}
