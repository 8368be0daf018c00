using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using QwenMesh.Planner.Tests.Support;

namespace QwenMesh.Planner.Tests;

/// <summary>
/// The planner service (<c>qwenmesh serve planner</c>, the k8s planner Deployment's command) against a real
/// Prometheus: ready once its first plan is out, exporting the replicas per pool for KEDA to follow.
/// </summary>
public sealed partial class PlannerServiceTests(PrometheusServer prometheus) : IClassFixture<PrometheusServer>
{
    [Fact]
    public async Task Exports_the_desired_replicas_of_each_pool()
    {
        int port = PrometheusServer.FreePort();
        await using var app = PlannerHost.Build([$"--QwenMesh:HttpPort={port}", $"--QwenMesh:Planner:Prometheus={prometheus.Url}",
            $"--QwenMesh:Planner:Namespace={MeshExporter.Namespace}", "--QwenMesh:Planner:IntervalSeconds=1",
            $"--QwenMesh:Planner:RateWindowSeconds={PrometheusServer.ScrapedSeconds}"]);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await http.GetAsync("/ready")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the planner was not ready within 30 s");
            await Task.Delay(200);
        }
        string metrics = await http.GetStringAsync("/metrics");
        var desired = Desired().Matches(metrics).ToDictionary(m => m.Groups["pool"].Value, m => double.Parse(m.Groups["n"].Value));
        Assert.Equal(["decode", "expert", "prefill"], desired.Keys.Order());
        // 2 requests/s of 300-token prompts: more than one prefill pod's worth with its headroom and the 1000 queued tokens.
        var targets = new PlannerTargets { RateWindowSeconds = PrometheusServer.ScrapedSeconds };
        var expected = new ReplicaPlanner(Calibration.Measured, targets)
            .Recommend(await new PrometheusObserver(new HttpClient(), prometheus.Url, MeshExporter.Namespace, targets).ObserveAsync(default), MeshExporter.RequestsPerSecond);
        Assert.InRange(desired["prefill"], expected.Prefill - 1, expected.Prefill + 1);
        Assert.InRange(desired["decode"], expected.Decode - 1, expected.Decode + 1);
        Assert.InRange(desired["expert"], expected.Expert - 1, expected.Expert + 1);
        Assert.Matches(@"qwenmesh:planner_observed_requests_per_second\{[^}]*\} (1\.[89]|2(\.[01])?)", metrics);
        await app.StopAsync();
    }

    [Fact]
    public void A_bad_setting_names_its_key()
    {
        var e = Assert.ThrowsAny<Exception>(() => PlannerHost.Build(["--QwenMesh:Planner:Prometheus=not-a-url"]));
        Assert.Contains("QwenMesh:Planner:Prometheus", e.Message);
        e = Assert.ThrowsAny<Exception>(() => PlannerHost.Build([$"--QwenMesh:Planner:Prometheus={prometheus.Url}", "--QwenMesh:Planner:MaxDecode=0"]));
        Assert.Contains("QwenMesh:Planner:MaxDecode", e.Message);
    }

    [GeneratedRegex("""qwenmesh:planner_desired_replicas\{[^}]*pool="(?<pool>[a-z]+)"[^}]*\} (?<n>[0-9.]+)""")]
    private static partial Regex Desired();
}
