using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QwenMesh.ServiceDefaults;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.ServiceDefaults.Options;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Outbox;
using QwenMesh.Metering.Relay;

namespace QwenMesh.Metering;

/// <summary>Wires usage events into a service: the options, the outbox (opened before the host serves), the emitter, the relay when Kafka is set, the outbox gauges.</summary>
public static class UsageEventsHosting
{
    public static IServiceCollection AddUsageEvents(this IServiceCollection services, IConfiguration configuration, string service)
    {
        services.AddValidatedOptions<UsageOptions>(UsageOptions.Section, UsageOptions.Check);
        services.AddSingleton(new EmitterIdentity(service, PodName.Of(configuration)));
        services.AddSingleton(sp => new UsageMetrics(sp.GetRequiredService<MeshMetricFactory>(), sp.GetRequiredService<MetricsOptions>()).Initialised(UsageStatus.All));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<UsageOptions>();
            var identity = sp.GetRequiredService<EmitterIdentity>();
            return UsageOutbox.Open(options.OutboxFolder(identity.Service, identity.Pod), options.OutboxMaxBytes, options.SegmentBytes);
        });
        services.AddSingleton(sp => new UsageEmitter(sp.GetRequiredService<UsageOutbox>(), sp.GetRequiredService<UsageMetrics>(),
            sp.GetRequiredService<ILogger<UsageEmitter>>(), sp.GetRequiredService<EmitterIdentity>(),
            logEvents: string.IsNullOrEmpty(sp.GetRequiredService<UsageOptions>().Kafka)));
        services.AddHostedService<OutboxHost>();
        if (!string.IsNullOrWhiteSpace(configuration[$"{UsageOptions.Section}:{nameof(UsageOptions.Kafka)}"]))
            services.AddHostedService<KafkaRelay>();
        return services;
    }

    /// <summary>Opens the outbox as the host starts (a folder held by another process stops the start, with its name), publishes its gauges at every scrape, and closes it last.</summary>
    sealed class OutboxHost(IServiceProvider services, UsageOptions options, ILogger<OutboxHost> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var outbox = services.GetRequiredService<UsageOutbox>();
            var metrics = services.GetRequiredService<UsageMetrics>();
            Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
            {
                OutboxState state = outbox.State;
                metrics.Outbox(state.Events, state.Bytes, state.Capacity, state.OldestEvent is { } oldest ? Math.Max(0, (DateTimeOffset.UtcNow - oldest).TotalSeconds) : 0);
            });
            OutboxState now = outbox.State;
            log.LogInformation("usage events: outbox {Folder} ({Events} undelivered), {Destination}", outbox.Folder, now.Events,
                string.IsNullOrEmpty(options.Kafka) ? "no Kafka (the outbox and the log are the record)" : $"relayed to Kafka {options.Kafka} topic {options.Topic}");
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await services.GetRequiredService<UsageOutbox>().DisposeAsync();
    }
}
