using QwenMesh.Engine;
using QwenMesh.Hosting;
using QwenMesh.ServiceDefaults;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.ExpertWorker;

/// <summary>
/// The expert worker process: loads its shard of every MoE layer (only its experts' rows) after the host listens,
/// and serves it over gRPC; probes and metrics over HTTP/1.1.
/// </summary>
public static class ExpertWorkerHost
{
    public const string Role = "qwenmesh-expert-worker";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = ServingOptions.From(builder.Configuration);
        builder.AddServiceDefaults(Role, options.ServedName);
        ServingEndpoints.Listen(builder, options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<LoadedShard>();
        builder.Services.AddSingleton<IStartupWork, ShardStartup>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<LoadedShard>().Shard);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<LoadedShard>().Placement);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<LoadedShard>().Identity);
        builder.Services.AddSingleton(new ModelGate());
        builder.Services.AddMeshGrpc(MeshCredential.From(options), maxReceiveBytes: 256 << 20, maxSendBytes: 256 << 20);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapGrpcService<ExpertWorkerService>();
        MeshCredentialHosting.WarnIfOpen(app.Services.GetRequiredService<MeshCredential>(), app.Logger);
        return app;
    }
}
