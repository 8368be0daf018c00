using System.Globalization;
using Microsoft.AspNetCore.Http;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Admin;

/// <summary>
/// The usage API's query, as OpenAI's /v1/organization/usage/completions takes it: start_time (required, unix
/// seconds), end_time (default now), bucket_width 1m|1h|1d (default 1d), limit (buckets per page: defaults 60, 24, 7;
/// at most 1440, 168, 31) and page (the next_page of the previous answer).
/// </summary>
public sealed record UsageQuery(DateTimeOffset Start, DateTimeOffset End, DateTimeOffset PageEnd, BucketWidth Width)
{
    public static UsageQuery From(IQueryCollection query, DateTimeOffset now)
    {
        long start = Seconds(query, "start_time") ?? throw new TenancyException("start_time", "start_time (unix seconds) is required");
        if (Seconds(query, "page") is { } page) start = page;
        long end = Seconds(query, "end_time") ?? now.ToUnixTimeSeconds();
        var width = ((string?)query["bucket_width"] ?? "1d") switch
        {
            "1m" => BucketWidth.Minute,
            "1h" => BucketWidth.Hour,
            "1d" => BucketWidth.Day,
            var other => throw new TenancyException("bucket_width", $"bucket_width must be 1m, 1h or 1d, not '{other}'"),
        };
        var (fallback, most) = width switch { BucketWidth.Minute => (60, 1440), BucketWidth.Hour => (24, 168), _ => (7, 31) };
        long limit = Seconds(query, "limit") ?? fallback;
        if (limit < 1 || limit > most) throw new TenancyException("limit", $"limit must be 1 to {most} for bucket_width {query["bucket_width"]}");
        if (end <= start) throw new TenancyException("end_time", "end_time must be after start_time");
        long pageEnd = Math.Min(end, start - start % QuotaWindows.Seconds(width) + limit * QuotaWindows.Seconds(width));
        return new UsageQuery(DateTimeOffset.FromUnixTimeSeconds(start), DateTimeOffset.FromUnixTimeSeconds(end), DateTimeOffset.FromUnixTimeSeconds(pageEnd), width);
    }

    /// <summary>Where the next page starts, when this one stops before end_time.</summary>
    public long? NextPage => PageEnd < End ? PageEnd.ToUnixTimeSeconds() : null;

    static long? Seconds(IQueryCollection query, string name)
    {
        string? value = query[name];
        if (value is null) return null;
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed
            : throw new TenancyException(name, $"{name} must be a non-negative integer");
    }
}
