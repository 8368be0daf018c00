using System.Net.Http.Headers;

namespace QwenMesh.LoadTest.Run;

/// <summary>Reads a Retry-After header, which holds either seconds or an HTTP date.</summary>
public static class RetryAfter
{
    public static TimeSpan? From(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header is null) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}
