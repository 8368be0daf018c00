using QwenMesh.Engine.Decode;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Decode.Completions;

/// <summary>The engine's side of the decode metrics: tokens per step as it runs, and running, waiting and state memory, and the fair queue, at each scrape.</summary>
public sealed class DecodeLoadTelemetry(DecodeMetrics metrics) : IDecodeObserver
{
    public void Stepped(int tokens) => metrics.Iteration(tokens);

    public void Watch(DecodeEngine engine) => Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        metrics.Load(engine.Running, engine.Waiting, engine.ReservedBytes, engine.StateMemoryBytes));

    /// <summary>Publishes the fair queue's depth per tenant at each scrape (zero for a tenant no longer waiting).</summary>
    public void Watch(Admission.FairAdmission admission) => Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
    {
        foreach (var (tenant, waiting) in admission.Depths()) metrics.FairQueue(tenant, waiting);
    });
}
