using Microsoft.Extensions.DependencyInjection;
using QwenMesh.Engine;
using QwenMesh.Engine.Experts;
using QwenMesh.Engine.State;
using QwenMesh.Model;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.ServiceDefaults.Startup;
using StackExchange.Redis;
using static TorchSharp.torch;

namespace QwenMesh.Hosting;

/// <summary>
/// Registers what every model-serving process needs: the model, its gate, the state codec and the state store. The
/// model is loaded by start-up work after the host listens (<see cref="ModelStartup"/>); what depends on it resolves
/// once it is loaded, and requests meanwhile are refused by the start-up gate.
/// </summary>
public static class ModelHosting
{
    public static IServiceCollection AddQwenMeshModel(this IServiceCollection services, ServingOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<LoadedModel>();
        services.AddSingleton<IStartupWork, ModelStartup>();
        services.AddSingleton(new ModelGate());
        services.AddSingleton(sp => sp.GetRequiredService<LoadedModel>().Model);
        services.AddSingleton(sp => sp.GetRequiredService<LoadedModel>().Codec);
        services.AddSingleton(sp => sp.GetRequiredService<LoadedModel>().Limits);
        services.AddSingleton(sp => sp.GetRequiredService<LoadedModel>().Identity);
        services.AddSingleton<ExpertTelemetry>();
        return services;
    }

    /// <summary>The validated dtype (<see cref="ServingOptions"/> refuses any other name at start).</summary>
    public static ScalarType ParseDType(ServingOptions options) =>
        DTypeNames.Parse(options.DType) ?? throw new InvalidOperationException($"QwenMesh:DType must be {DTypeNames.Accepted}, got '{options.DType}'");

    /// <summary>
    /// Redis when configured (shared by every process: handoffs and sessions); else this process's own memory (colocated
    /// decode's sessions, or a prefill worker's sessions, which decode routes by session id).
    /// </summary>
    public static IServiceCollection AddQwenMeshStateStore(this IServiceCollection services, ServingOptions options)
    {
        if (!string.IsNullOrEmpty(options.Redis))
        {
            // Connects in the background: a Redis that is not up yet makes requests fail with 503, not the process.
            var redis = ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { options.Redis }, AbortOnConnectFail = false });
            services.AddSingleton<IConnectionMultiplexer>(redis);
            services.AddSingleton<IStateStore>(new RedisStateStore(redis));
        }
        else
        {
            services.AddSingleton<IStateStore>(new InMemoryStateStore());
        }
        return services;
    }

    /// <summary>The remote executor's metrics: per-call latency and routes, and at each scrape unhealthy workers and layer imbalance.</summary>
    internal sealed class ExpertTelemetry(ExpertMetrics metrics) : IExpertObserver
    {
        public void Called(int worker, int routes, TimeSpan took, bool failed) => metrics.Call(worker, routes, took.TotalSeconds, failed);

        public void Watch(RemoteExpertExecutor executor) => Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            metrics.Unhealthy(executor.UnhealthyWorkers);
            ExpertLoad load = executor.Load;
            for (int layer = 0; layer < load.Layers; layer++)
            {
                long total = 0, max = 0;
                for (int e = 0; e < load.Experts; e++)
                {
                    long t = load.Tokens(layer, e);
                    total += t;
                    max = Math.Max(max, t);
                }
                if (total > 0) metrics.Imbalance(layer, max / ((double)total / load.Experts));
            }
        });
    }
}

/// <summary>The served model's public name and the fingerprint its states carry.</summary>
public sealed record ModelIdentity(string Name, string Fingerprint);
