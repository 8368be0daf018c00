using Prometheus;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Planner;

/// <summary>
/// What the planner exports for KEDA or an HPA to follow: the replicas it recommends per pool, the load it planned
/// for, and the rounds that could not read Prometheus (the last recommendation stays meanwhile).
/// </summary>
public sealed class PlannerMetrics(MeshMetricFactory metrics)
{
    public const string DesiredReplicas = "qwenmesh:planner_desired_replicas";

    readonly Gauge _desired = metrics.Gauge(DesiredReplicas, "Replicas the planner recommends for the pool (prefill, decode, expert) against the TTFT and ITL targets.", "pool");
    readonly Gauge _requests = metrics.Gauge("qwenmesh:planner_observed_requests_per_second", "The request rate the planner last read (over two minutes).");
    readonly Counter _failures = metrics.Counter("qwenmesh:planner_observation_failures_total", "Planning rounds that could not read Prometheus.");

    public void Planned(PoolReplicas plan, MeshObservation seen)
    {
        foreach (var pool in PoolNames.All) _desired.WithLabels(pool.Label()).Set(plan[pool]);
        _requests.Set(seen.RequestsPerSecond);
    }

    public void ObservationFailed() => _failures.Inc();
}
