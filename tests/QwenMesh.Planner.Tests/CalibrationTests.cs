namespace QwenMesh.Planner.Tests;

public sealed class CalibrationTests
{
    /// <summary>The shape of the last line of <c>qwenmesh bench --json</c> (other keys are ignored).</summary>
    const string Bench = """
        {"preset":"bench","dtype":"bfloat16","prefill_tokens_per_s":{"512":600.5,"4096":400},"decode_tokens_per_s":{"1":20,"8":80,"32":150},"prefill_x_slower_at_long_prompt":1.5}
        """;

    [Fact]
    public void Reads_the_bench_figures_and_keeps_the_rest()
    {
        var c = Calibration.FromBenchJson(Bench);
        Assert.Equal([(512, 600.5), (4096, 400.0)], c.Prefill);
        Assert.Equal([(1, 20.0), (8, 80.0), (32, 150.0)], c.Decode);
        Assert.Equal(Calibration.Measured.ExpertTokensPerSecond, c.ExpertTokensPerSecond);
        Assert.Equal(Calibration.Measured.PodStartSeconds, c.PodStartSeconds);
        var withStart = Calibration.FromBenchJson("""
            {"prefill_tokens_per_s":{"512":600},"decode_tokens_per_s":{"1":20},"pod_start_s":240,"expert_tokens_per_s":300}
            """);
        Assert.Equal(240, withStart.PodStartSeconds);
        Assert.Equal(300, withStart.ExpertTokensPerSecond);
    }

    [Fact]
    public void Interpolates_between_measured_points()
    {
        var c = Calibration.FromBenchJson(Bench);
        Assert.Equal(600.5, c.PrefillTokensPerSecond(256), 3);   // below the first point: the first point's rate
        double mid = c.PrefillTokensPerSecond(2048);
        Assert.InRange(mid, 400, 600.5);
        // Faster decode pods fit a larger batch within the same inter-token target.
        Assert.True(c.BatchWithin(0.2) >= Calibration.Measured.BatchWithin(0.2));
        Assert.True(c.InterTokenSeconds(32) > c.InterTokenSeconds(1));
    }

    [Theory]
    [InlineData("not json", "not the JSON line")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"decode_tokens_per_s":{"1":20}}""", "\"prefill_tokens_per_s\"")]
    [InlineData("""{"prefill_tokens_per_s":{"512":600},"decode_tokens_per_s":{"one":20}}""", "not the JSON line")]
    [InlineData("""{"prefill_tokens_per_s":{"512":600},"decode_tokens_per_s":{"1":-5}}""", "positive")]
    [InlineData("""{"prefill_tokens_per_s":{"512":600},"decode_tokens_per_s":{"1":"fast"}}""", "not the JSON line")]
    [InlineData("""{"prefill_tokens_per_s":{"512":600},"decode_tokens_per_s":{"1":20},"pod_start_s":0}""", "pod_start_s")]
    public void Refuses_what_is_not_a_bench_line(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => Calibration.FromBenchJson(json));
        Assert.Contains(message, e.Message);
    }
}
