using System.Text.RegularExpressions;
using QwenMesh.LoadTest.Run;
using QwenMesh.LoadTest.Stats;
using QwenMesh.LoadTest.Tests.Fakes;

namespace QwenMesh.LoadTest.Tests;

/// <summary>The HTML report (--html FILE): a page with the summary and, per phase, latency, throughput and outcomes over time.</summary>
[Collection(FakeServerCollection.Name)]
public sealed class HtmlReportTests
{
    [Fact]
    public async Task A_run_writes_a_page_with_charts_over_time()
    {
        await using var server = FakeChatServer.Start(_ => new FakeResponse.Stream(ChatScript.Answer(TimeSpan.FromMilliseconds(50),
            TimeSpan.FromMilliseconds(20), promptTokens: 5, completionTokens: 4, cachedTokens: 0)));
        string html = Path.Combine(Path.GetTempPath(), $"qwenmesh-load-{Guid.NewGuid():N}.html");
        AppRun run = await AppRun.OfAsync("--url", server.BaseUrl.ToString(), "--concurrency", "1,2", "--requests", "6", "--html", html);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.Contains("HTML report: "));
        string page = File.ReadAllText(html);
        File.Delete(html);
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("<h1>qwenmesh-load: fake-qwen at ", page);
        // Two phases, four charts each: TTFT, ITL, throughput, outcomes.
        Assert.Equal(2, Regex.Count(page, "<h2>Phase "));
        Assert.Equal(8, Regex.Count(page, "<svg "));
        Assert.Equal(2, Regex.Count(page, "<title>Time to first token</title>"));
        Assert.Contains("<polyline ", page);
        Assert.Contains("<td>6</td>", page);
    }

    [Fact]
    public async Task A_report_folder_that_does_not_exist_is_refused_before_the_run()
    {
        AppRun run = await AppRun.OfAsync("--url", "http://127.0.0.1:1", "--html", "/nonexistent/folder/report.html");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--html: the folder of '/nonexistent/folder/report.html' does not exist", run.Stderr);
    }

    [Fact]
    public void Slices_hold_the_requests_that_ended_in_them()
    {
        static RequestOutcome Ok(double sentS, double e2eS, double ttftMs) => new()
        {
            Succeeded = true, SentAtMs = sentS * 1000, E2eMs = e2eS * 1000, TtftMs = ttftMs, GapsMs = [10, 30], TextDeltas = 3,
        };
        var outcomes = new List<RequestOutcome>
        {
            Ok(0, 0.5, 100), Ok(0.2, 0.6, 300),                        // end in second 0
            Ok(1.0, 1.5, 900),                                         // ends in second 2
            RequestOutcome.Refused("requests", "slow down", 10, false) with { SentAtMs = 2100 },
            RequestOutcome.Failure("503", "busy", 20, false) with { SentAtMs = 2200 },
        };
        var slices = TimeSlice.Of(outcomes, TimeSpan.FromSeconds(3));
        Assert.Equal(3, slices.Count);
        Assert.Equal((2, 0, 0), (slices[0].Succeeded, slices[0].Refused, slices[0].Failed));
        Assert.Equal(200, slices[0].TtftP50Ms);
        Assert.Null(slices[1].TtftP50Ms);   // nothing ended in second 1: a gap in the line, not a zero
        Assert.Equal((1, 1, 1), (slices[2].Succeeded, slices[2].Refused, slices[2].Failed));
        Assert.Equal(6, slices[0].TokensPerSecond);   // 2 requests x 3 deltas in one second
        // A long phase is cut into at most MaxSlices.
        Assert.Equal(TimeSlice.MaxSlices, TimeSlice.Of([Ok(0, 600, 1)], TimeSpan.FromSeconds(600)).Count);
    }
}
