using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Planner;

/// <summary>
/// Every interval: read the mesh from Prometheus, plan, export the recommendation. A round that cannot read
/// Prometheus keeps the last recommendation (KEDA then holds the pools where they are) and is counted; the service
/// is ready once its first plan is out.
/// </summary>
public sealed class PlannerLoop(PrometheusObserver observer, ReplicaPlanner planner, PlannerMetrics metrics, PlannerOptions options,
    TimeProvider clock, ILogger<PlannerLoop> log) : BackgroundService, IStartupWork
{
    readonly TaskCompletionSource _firstPlan = new(TaskCreationOptions.RunContinuationsAsynchronously);
    PoolReplicas? _last;

    public string Stage => "first plan (reading Prometheus)";

    public Task RunAsync(CancellationToken cancellation) => _firstPlan.Task.WaitAsync(cancellation);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var interval = TimeSpan.FromSeconds(options.Planner.IntervalSeconds);
        long started = clock.GetTimestamp();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var seen = await observer.ObserveAsync(stopping);
                var plan = planner.Plan(clock.GetElapsedTime(started).TotalSeconds, seen);
                metrics.Planned(plan, seen);
                if (plan != _last) log.LogInformation("plan: {Plan} for {Rate:F2} requests/s", plan, seen.RequestsPerSecond);
                _last = plan;
                _firstPlan.TrySetResult();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException or InvalidOperationException && !stopping.IsCancellationRequested)
            {
                metrics.ObservationFailed();
                log.LogWarning("planning round skipped, Prometheus could not be read: {Message}", e.Message);
            }
            try { await Task.Delay(interval, clock, stopping); }
            catch (OperationCanceledException) { break; }
        }
    }
}
