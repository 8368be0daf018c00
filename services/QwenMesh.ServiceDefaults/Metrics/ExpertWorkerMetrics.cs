using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>An expert worker's own view: token-expert rows computed and compute time per call.</summary>
public sealed class ExpertWorkerMetrics(MeshMetricFactory metrics, MetricsOptions options)
{
    readonly Counter _tokens = metrics.Counter("qwenmesh:expert_worker_tokens_total", "Token-expert rows this worker computed.");
    readonly Histogram _compute = metrics.Histogram("qwenmesh:expert_worker_compute_seconds",
        "Compute time of one expert call on this worker.", MetricsOptions.Parse(options.LatencyBuckets));

    public void Computed(int rows, double seconds)
    {
        _tokens.Inc(rows);
        _compute.Observe(seconds);
    }
}
