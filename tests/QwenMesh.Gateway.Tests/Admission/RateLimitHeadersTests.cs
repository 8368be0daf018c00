using Microsoft.AspNetCore.Http;
using QwenMesh.Gateway.Admission;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Tests.Admission;

public sealed class RateLimitHeadersTests
{
    [Theory]
    [InlineData(0.25, "250ms")]
    [InlineData(1, "1s")]
    [InlineData(59.2, "1m0s")]
    [InlineData(360, "6m0s")]
    [InlineData(3723, "1h2m3s")]
    [InlineData(-3, "0ms")]
    public void Durations_are_written_as_openai_writes_them(double seconds, string expected) =>
        Assert.Equal(expected, RateLimitHeaders.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Every_metered_answer_carries_all_six_headers_and_a_refusal_its_retry_hints()
    {
        var context = new DefaultHttpContext();
        var refused = new QuotaDecision(false, RefusalReason.Tokens, TimeSpan.FromMilliseconds(1500),
            new RateLimitState(null, 0, TimeSpan.Zero), new RateLimitState(1000, 12, TimeSpan.FromSeconds(6)));
        RateLimitHeaders.Set(context.Response, refused);
        var h = context.Response.Headers;
        Assert.Equal(("9007199254740991", "9007199254740991", "0ms"), (h["x-ratelimit-limit-requests"].ToString(), h["x-ratelimit-remaining-requests"].ToString(), h["x-ratelimit-reset-requests"].ToString()));
        Assert.Equal(("1000", "12", "6s"), (h["x-ratelimit-limit-tokens"].ToString(), h["x-ratelimit-remaining-tokens"].ToString(), h["x-ratelimit-reset-tokens"].ToString()));
        Assert.Equal(("2", "1500"), (h.RetryAfter.ToString(), h["retry-after-ms"].ToString()));
    }
}
