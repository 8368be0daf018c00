using QwenMesh.Engine.Decode;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Decode.Completions;

/// <summary>The engine's side of the decode metrics: tokens per step as it runs, and running, waiting and state memory at each scrape.</summary>
public sealed class DecodeLoadTelemetry(DecodeMetrics metrics) : IDecodeObserver
{
    public void Stepped(int tokens) => metrics.Iteration(tokens);

    public void Watch(DecodeEngine engine) => Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        metrics.Load(engine.Running, engine.Waiting, engine.ReservedBytes, engine.StateMemoryBytes));
}
