using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.ServiceDefaults;

/// <summary>
/// The three endpoints every role serves over HTTP/1.1: <c>/health</c> (liveness: the process serves), <c>/ready</c>
/// (503 until start-up is done; then the role's own details) and <c>/metrics</c> (Prometheus text format).
/// </summary>
public static class Probes
{
    public const string Health = "/health";
    public const string Ready = "/ready";
    public const string Metrics = "/metrics";

    public static bool IsProbe(PathString path) => path == Health || path == Ready || path == Metrics;

    /// <param name="details">The role's ready body (queue lengths and the like); null for <c>{"ready":true}</c>.</param>
    public static WebApplication MapProbes(this WebApplication app, Func<IServiceProvider, object>? details = null)
    {
        app.MapGet(Health, () => Results.Text("ok"));
        app.MapGet(Ready, (StartupGate gate, IServiceProvider services) => gate.IsOpen
            ? Results.Json(details?.Invoke(services) ?? new { ready = true })
            : Results.Json(new { ready = false, stage = gate.Stage }, statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet(Metrics, MetricsExposition.WriteAsync);
        return app;
    }
}
