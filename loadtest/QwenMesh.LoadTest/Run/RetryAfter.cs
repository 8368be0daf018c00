using System.Globalization;
using System.Net.Http.Headers;

namespace QwenMesh.LoadTest.Run;

/// <summary>
/// Reads how long a server asks the client to wait: `retry-after-ms` (milliseconds, as OpenAI-style gateways
/// send it) when present, since it is finer, otherwise Retry-After, which holds seconds or an HTTP date.
/// </summary>
public static class RetryAfter
{
    public const string MillisecondsHeader = "retry-after-ms";

    public static TimeSpan? From(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues(MillisecondsHeader, out IEnumerable<string>? values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
            && double.IsFinite(ms))
            return ms <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(ms, TimeSpan.MaxValue.TotalMilliseconds / 2));
        return From(headers.RetryAfter, now);
    }

    public static TimeSpan? From(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header is null) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}
