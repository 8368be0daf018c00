using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;
using QwenMesh.ServiceDefaults.Logging;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.ServiceDefaults.Options;
using QwenMesh.ServiceDefaults.Startup;
using QwenMesh.ServiceDefaults.Tracing;

namespace QwenMesh.ServiceDefaults;

/// <summary>
/// What every QwenMesh role shares, in the eShop/Aspire spirit: one call adds logging, metrics, tracing and the start-up
/// gate; <see cref="UseServiceDefaults"/> adds the request log and maps <c>/health</c>, <c>/ready</c> and <c>/metrics</c>.
/// </summary>
public static class ServiceDefaultsExtensions
{
    static int _labelled;

    /// <param name="role">The process's service name (<c>qwenmesh-decode</c>, ...), used for logs and traces.</param>
    /// <param name="modelName">The served model's name: the <c>model_name</c> label of every series.</param>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string role, string modelName)
    {
        builder.AddMeshLogging();
        builder.Services.AddValidatedOptions<MetricsOptions>(MetricsOptions.Section, MetricsOptions.Check);
        // Before any metric exists: the label goes on every series, process and runtime metrics included. Once per
        // process (prometheus-net allows no second time): tests host several services in one process.
        if (Interlocked.Exchange(ref _labelled, 1) == 0)
            Prometheus.Metrics.DefaultRegistry.SetStaticLabels(new Dictionary<string, string> { ["model_name"] = modelName });
        builder.Services.AddSingleton(new MeshMetricFactory(Prometheus.Metrics.DefaultFactory));
        builder.Services.AddSingleton<DecodeMetrics>();
        builder.Services.AddSingleton<PrefillMetrics>();
        builder.Services.AddSingleton<ExpertMetrics>();
        builder.Services.AddSingleton<ExpertWorkerMetrics>();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.AddMeshTracing(role);
        builder.Services.AddSingleton<StartupGate>();
        builder.Services.AddSingleton<ReadySignal>();
        builder.Services.AddHostedService<StartupRunner>();
        return builder;
    }

    static void AddMeshLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        if (builder.Configuration.GetValue<bool>("QwenMesh:Logging:Json"))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
        // Framework chatter (four lines per request, connection events) only when something is wrong.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
    }

    /// <summary>
    /// Traces are exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OTEL_* variables apply)
    /// and as JSON lines into the folder <c>QwenMesh:Tracing:Directory</c> (one file per process) when that is set; with
    /// neither, no span is recorded at all.
    /// W3C trace context travels on every HTTP and gRPC call either way.
    /// </summary>
    static void AddMeshTracing(this WebApplicationBuilder builder, string role)
    {
        string? otlp = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        string? folder = builder.Configuration["QwenMesh:Tracing:Directory"];
        if (string.IsNullOrEmpty(otlp) && string.IsNullOrEmpty(folder)) return;
        string service = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } named ? named : role;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(service))
            .WithTracing(tracing =>
            {
                // Every QwenMesh library names its own source (QwenMesh.Engine, QwenMesh.Decode, ...).
                tracing.AddSource("QwenMesh.*")
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !Probes.IsProbe(http.Request.Path))
                    .AddGrpcClientInstrumentation(o => o.SuppressDownstreamInstrumentation = true)
                    .AddHttpClientInstrumentation();
                if (!string.IsNullOrEmpty(otlp)) tracing.AddOtlpExporter();
                if (!string.IsNullOrEmpty(folder))
                {
                    Directory.CreateDirectory(folder);
                    string file = Path.Combine(folder, $"{service}-{Environment.ProcessId}.jsonl");
                    tracing.AddProcessor(new SimpleActivityExportProcessor(new SpanFileExporter(file, service)));
                }
            });
    }

    /// <param name="readyDetails">The role's <c>/ready</c> body once ready.</param>
    public static WebApplication UseServiceDefaults(this WebApplication app, Func<IServiceProvider, object>? readyDetails = null)
    {
        app.UseMiddleware<RequestLog>();
        var gate = app.Services.GetRequiredService<StartupGate>();
        Gauge ready = app.Services.GetRequiredService<MeshMetricFactory>().Gauge("qwenmesh:ready", "1 once the process finished its start-up work.");
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() => ready.Set(gate.IsOpen ? 1 : 0));
        app.MapProbes(readyDetails);
        return app;
    }
}
