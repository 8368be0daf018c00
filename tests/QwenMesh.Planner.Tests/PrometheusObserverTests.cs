using QwenMesh.Planner.Tests.Support;

namespace QwenMesh.Planner.Tests;

/// <summary>The planner's PromQL against a real Prometheus that scrapes a mesh's series: the figures come out as exported, and only the mesh's namespace counts.</summary>
public sealed class PrometheusObserverTests(PrometheusServer prometheus) : IClassFixture<PrometheusServer>
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Rates over the seconds the fixture has scraped (a deployment's 120 s would need two minutes of samples).</summary>
    static readonly PlannerTargets Targets = new() { RateWindowSeconds = PrometheusServer.ScrapedSeconds };

    [Fact]
    public async Task Reads_the_mesh_of_its_namespace()
    {
        var seen = await new PrometheusObserver(Http, prometheus.Url, MeshExporter.Namespace, Targets).ObserveAsync(default);
        Assert.InRange(seen.RequestsPerSecond, MeshExporter.RequestsPerSecond * 0.9, MeshExporter.RequestsPerSecond * 1.1);
        Assert.InRange(seen.RecentRequestsPerSecond, MeshExporter.RequestsPerSecond * 0.9, MeshExporter.RequestsPerSecond * 1.1);
        Assert.Equal(MeshExporter.PromptTokens, seen.MeanPromptTokens, 3);
        Assert.Equal(MeshExporter.CompletionTokens, seen.MeanCompletionTokens, 3);
        Assert.Equal(MeshExporter.PrefillQueue, seen.PrefillQueueTokens);
        Assert.Equal(MeshExporter.Running, seen.DecodeRunning);
        Assert.Equal(MeshExporter.Waiting, seen.DecodeWaiting);
        // Worker 0 routed 60 rows/s (two pods), worker 1 20: the busiest over the mean.
        Assert.Equal(1.5, seen.ExpertImbalance, 3);
    }

    [Fact]
    public async Task Without_a_namespace_counts_every_namespace()
    {
        var seen = await new PrometheusObserver(Http, prometheus.Url, null, Targets).ObserveAsync(default);
        Assert.InRange(seen.RequestsPerSecond, 11 * MeshExporter.RequestsPerSecond * 0.9, 11 * MeshExporter.RequestsPerSecond * 1.1);
        Assert.Equal(11 * MeshExporter.Running, seen.DecodeRunning);
    }

    [Fact]
    public async Task A_namespace_without_a_mesh_is_no_load()
    {
        var seen = await new PrometheusObserver(Http, prometheus.Url, "nobody-here", Targets).ObserveAsync(default);
        Assert.Equal(MeshObservation.Idle, seen);
    }

    [Fact]
    public async Task A_server_that_is_not_prometheus_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<HttpRequestException>(() =>
            new PrometheusObserver(Http, new Uri($"http://{prometheus.Exporter.Target}/"), MeshExporter.Namespace, Targets).ObserveAsync(default));
        Assert.Contains("not JSON", e.Message);
    }
}
