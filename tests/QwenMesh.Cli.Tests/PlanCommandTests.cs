using System.Text.Json;

namespace QwenMesh.Cli.Tests;

/// <summary>`plan` and `probe`: the planner's simulation as printed and as JSON, and their usage errors.</summary>
public sealed class PlanCommandTests
{
    [Fact]
    public void Simulate_prints_a_row_per_trace_and_the_json_line()
    {
        string timeline = Path.Combine(Path.GetTempPath(), $"qwenmesh-plan-{Guid.NewGuid():N}.csv");
        var run = CliRun.Of("plan", "--simulate", "--trace", "drop-to-zero", "--timeline", timeline, "--json");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^drop-to-zero +\d+\.\d %", run.Stdout);
        using var json = JsonDocument.Parse(run.LastLine);
        var trace = Assert.Single(json.RootElement.GetProperty("traces").EnumerateArray());
        Assert.Equal("drop-to-zero", trace.GetProperty("trace").GetString());
        Assert.True(trace.GetProperty("replica_ratio").GetDouble() < 1);
        Assert.Equal(["decode", "expert", "prefill"], trace.GetProperty("final_replicas").EnumerateObject().Select(p => p.Name).Order());
        // The timeline: one row per decision with the wanted and serving pools.
        var rows = File.ReadAllLines(timeline);
        Assert.StartsWith("trace,time_s,rate,", rows[0]);
        Assert.True(rows.Length > 400, $"{rows.Length} timeline rows");
        File.Delete(timeline);
    }

    [Fact]
    public void A_calibration_from_a_bench_line_changes_the_static_sizing()
    {
        string file = Path.Combine(Path.GetTempPath(), $"qwenmesh-calibration-{Guid.NewGuid():N}.json");
        // Pods twice as fast as measured here need fewer replicas for the same trace.
        File.WriteAllText(file, "bench output\n" + """{"prefill_tokens_per_s":{"512":1042,"4096":724},"decode_tokens_per_s":{"1":32.6,"8":120.6,"32":227.4},"expert_tokens_per_s":183}""");
        int Static(params string[] extra) => JsonDocument.Parse(CliRun.Of(["plan", "--simulate", "--trace", "bursts", "--json", .. extra]).LastLine)
            .RootElement.GetProperty("traces")[0].GetProperty("static_replicas").GetInt32();
        Assert.True(Static("--calibration", file) < Static(), "faster pods did not shrink the static pools");
        File.Delete(file);
    }

    [Theory]
    [InlineData(new[] { "plan" }, 2, "plan needs --simulate, or --prometheus URL")]
    [InlineData(new[] { "plan", "--simulate", "--prometheus", "http://x" }, 2, "plan needs --simulate")]
    [InlineData(new[] { "plan", "--simulate", "--serve" }, 2, "--serve plans from Prometheus")]
    [InlineData(new[] { "plan", "--prometheus", "http://127.0.0.1:1", "--trace", "bursts" }, 2, "--trace and --timeline go with --simulate")]
    [InlineData(new[] { "plan", "--simulate", "--ttft-s", "0" }, 2, "must be positive")]
    [InlineData(new[] { "plan", "--simulate", "--headroom", "-1" }, 2, "must not be negative")]
    [InlineData(new[] { "plan", "--simulate", "--trace", "weekend" }, 1, "unknown trace 'weekend'")]
    [InlineData(new[] { "plan", "--simulate", "--calibration", "/nonexistent.json" }, 1, "calibration file not found")]
    [InlineData(new[] { "plan", "--prometheus", "ftp://x" }, 2, "--prometheus must be an http(s) URL")]
    [InlineData(new[] { "plan", "--prometheus", "http://127.0.0.1:1" }, 1, "cannot read Prometheus at http://127.0.0.1:1")]
    [InlineData(new[] { "plan", "--prometheus", "http://127.0.0.1:1", "--port", "9" }, 2, "--port and --bind go with --serve")]
    [InlineData(new[] { "probe", "--url", "http://127.0.0.1:1/health" }, 1, "did not answer")]
    [InlineData(new[] { "probe", "--url", "health" }, 2, "--url must be an http(s) URL")]
    public void Bad_usage_is_one_line_and_an_exit_code(string[] args, int code, string message)
    {
        var run = CliRun.Of(args);
        Assert.Equal(code, run.ExitCode);
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("qwenmesh: ", line);
        Assert.Contains(message, line);
    }

    [Fact]
    public void A_calibration_that_is_not_a_bench_line_is_refused()
    {
        string file = Path.Combine(Path.GetTempPath(), $"qwenmesh-calibration-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"prefill_tokens_per_s":{"512":"fast"},"decode_tokens_per_s":{"1":1}}""");
        var run = CliRun.Of("plan", "--simulate", "--calibration", file);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("the calibration is not the JSON line of qwenmesh bench --json", run.Stderr);
        File.Delete(file);
    }
}
