using Microsoft.Extensions.DependencyInjection;
using QwenMesh.Engine.Prefill;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.ServiceDefaults.Options;

namespace QwenMesh.Hosting;

/// <summary>The batched prefill queue, with its limits from QwenMesh:Prefill and its metrics; used by prefill processes and colocated decode.</summary>
public static class PrefillHosting
{
    public static IServiceCollection AddQwenMeshPrefill(this IServiceCollection services)
    {
        services.AddValidatedOptions<PrefillOptions>(PrefillOptions.Section, (o, c) => c.AtLeast(nameof(o.BatchTokens), o.BatchTokens, 1));
        services.AddSingleton<PrefillWorker>();
        services.AddSingleton<PrefillTelemetry>();
        services.AddSingleton(sp =>
        {
            var telemetry = sp.GetRequiredService<PrefillTelemetry>();
            var queue = new PrefillQueue(sp.GetRequiredService<PrefillWorker>(), sp.GetRequiredService<PrefillOptions>(), telemetry);
            telemetry.Watch(queue);
            return queue;
        });
        return services;
    }

    sealed class PrefillTelemetry(PrefillMetrics metrics) : IPrefillObserver
    {
        public void Batch(int size, TimeSpan took, IReadOnlyList<PrefillOutcome> outcomes)
        {
            metrics.Batch(size, took.TotalSeconds);
            foreach (PrefillOutcome o in outcomes) metrics.Published(o.PublishMs / 1000, o.StateBytes);
        }

        public void Watch(PrefillQueue queue) =>
            Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() => metrics.Queue(queue.QueuedRequests, queue.QueuedTokens));
    }
}
