using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>
/// Remote experts as the caller (decode or prefill) sees them: tokens routed and call latency per worker, failovers,
/// unhealthy workers, and per-layer load imbalance. Per-expert counters would be layers x experts series (60 x 512 =
/// 30,720 per process for the real model), too many for Prometheus; the per-expert table stays at <c>/experts/load</c>.
/// </summary>
public sealed class ExpertMetrics
{
    readonly Counter _routed, _failovers;
    readonly Histogram _latency;
    readonly Gauge _imbalance, _unhealthy;

    public ExpertMetrics(MeshMetricFactory metrics, MetricsOptions options)
    {
        _routed = metrics.Counter("qwenmesh:expert_routed_tokens_total", "Token-expert routes sent to each expert worker.", "worker");
        _failovers = metrics.Counter("qwenmesh:expert_failovers_total", "Expert calls that failed on a worker and were retried on a replica.", "worker");
        _latency = metrics.Histogram("qwenmesh:expert_call_latency_seconds", "Round trip of one expert call (one MoE layer on one worker).",
            MetricsOptions.Parse(options.LatencyBuckets), "worker");
        _imbalance = metrics.Gauge("qwenmesh:expert_load_imbalance", "Max over mean tokens per expert in a MoE layer since start (1 = balanced).", "layer");
        _unhealthy = metrics.Gauge("qwenmesh:expert_workers_unhealthy", "Expert workers in their failure cool-down.");
    }

    public void Call(int worker, int routes, double seconds, bool failed)
    {
        string w = worker.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _routed.WithLabels(w).Inc(routes);
        _latency.WithLabels(w).Observe(seconds);
        if (failed) _failovers.WithLabels(w).Inc();
    }

    public void Imbalance(int layer, double ratio) => _imbalance.WithLabels(layer.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(ratio);

    public void Unhealthy(int workers) => _unhealthy.Set(workers);
}
