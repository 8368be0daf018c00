using System.Globalization;
using Microsoft.AspNetCore.Http;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Admission;

/// <summary>
/// OpenAI's rate-limit headers: x-ratelimit-{limit,remaining,reset}-{requests,tokens} on every metered response, and
/// retry-after(-ms) on a 429. A limit the tenant does not have is written as <see cref="NoLimit"/> (limit and remaining)
/// with reset 0ms, so that a client that reads the headers always finds numbers.
/// </summary>
public static class RateLimitHeaders
{
    /// <summary>"No limit": the largest integer a JavaScript client reads exactly (2^53 - 1).</summary>
    public const long NoLimit = 9_007_199_254_740_991;

    public static void Set(HttpResponse response, QuotaDecision admission)
    {
        Set(response, "requests", admission.Requests);
        Set(response, "tokens", admission.Tokens);
        if (!admission.Admitted)
        {
            var wait = admission.RetryAfter < TimeSpan.Zero ? TimeSpan.Zero : admission.RetryAfter;
            response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            response.Headers["retry-after-ms"] = ((long)Math.Ceiling(wait.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    static void Set(HttpResponse response, string kind, RateLimitState state)
    {
        if (state.Limit is not { } limit)
        {
            response.Headers[$"x-ratelimit-limit-{kind}"] = response.Headers[$"x-ratelimit-remaining-{kind}"] = NoLimit.ToString(CultureInfo.InvariantCulture);
            response.Headers[$"x-ratelimit-reset-{kind}"] = Duration(TimeSpan.Zero);
            return;
        }
        response.Headers[$"x-ratelimit-limit-{kind}"] = limit.ToString(CultureInfo.InvariantCulture);
        response.Headers[$"x-ratelimit-remaining-{kind}"] = Math.Max(0, state.Remaining).ToString(CultureInfo.InvariantCulture);
        response.Headers[$"x-ratelimit-reset-{kind}"] = Duration(state.Reset);
    }

    /// <summary>A duration as OpenAI writes it: "1s", "6m0s", "1h2m3s", "250ms".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span < TimeSpan.FromSeconds(1)) return $"{(int)Math.Ceiling(span.TotalMilliseconds)}ms";
        long seconds = (long)Math.Ceiling(span.TotalSeconds);
        long h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
        return h > 0 ? $"{h}h{m}m{s}s" : m > 0 ? $"{m}m{s}s" : $"{s}s";
    }
}
