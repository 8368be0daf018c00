using QwenMesh.Gateway.Admission;

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
}
