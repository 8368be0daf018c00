using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using QwenMesh.ServiceDefaults;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Planner;

/// <summary>
/// The planner process (<c>qwenmesh serve planner</c>, or <c>qwenmesh plan --serve</c>): plans the three pools from
/// Prometheus every interval and exports <c>qwenmesh:planner_desired_replicas{pool}</c> on <c>/metrics</c> for KEDA
/// to follow; <c>/health</c> and <c>/ready</c> as every role.
/// </summary>
public static class PlannerHost
{
    public const string Role = "qwenmesh-planner";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = PlannerOptions.From(builder.Configuration);
        builder.AddServiceDefaults(Role, modelName: "planner");
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Bind), options.HttpPort));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PlannerMetrics>();
        var targets = options.Planner.Targets();
        builder.Services.AddSingleton(new ReplicaPlanner(options.Planner.Calibration(), targets));
        // One client for the process's life; pooled connections are renewed so a moved Prometheus Service is followed.
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromSeconds(10) };
        builder.Services.AddSingleton(new PrometheusObserver(http, options.Planner.PrometheusUri, options.Planner.Namespace is { Length: > 0 } ns ? ns : null, targets));
        builder.Services.AddSingleton<PlannerLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PlannerLoop>());
        builder.Services.AddSingleton<IStartupWork>(sp => sp.GetRequiredService<PlannerLoop>());
        var app = builder.Build();
        app.UseServiceDefaults();
        return app;
    }
}
