using QwenMesh.Engine;
using QwenMesh.Engine.Experts;
using QwenMesh.Engine.State;
using QwenMesh.Hosting;
using QwenMesh.Model.Config;

namespace QwenMesh.ExpertWorker;

/// <summary>The expert worker process: loads its shard of every MoE layer (only its experts' rows) and serves it over gRPC.</summary>
public static class ExpertWorkerHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = ServingOptions.From(builder.Configuration);
        if (string.IsNullOrEmpty(options.Model)) throw new InvalidOperationException("QwenMesh:Model (the model folder) is required");
        if (options.WorkerIndex < 0 || options.WorkerIndex >= options.Workers)
            throw new InvalidOperationException($"QwenMesh:WorkerIndex must be in [0, QwenMesh:Workers={options.Workers})");
        ServingEndpoints.Listen(builder, options);
        ModelConfig config = ModelConfig.Load(options.Model);
        ExpertPlacement placement = ExpertHosting.Placement(options, config, options.Workers);
        var shard = ExpertShard.Load(options.Model, ModelHosting.ParseDType(options), placement.ExpertsOf(options.WorkerIndex));
        builder.Services.AddSingleton(shard);
        builder.Services.AddSingleton(placement);
        builder.Services.AddSingleton(new WorkerIdentity(options.WorkerIndex, ModelFingerprint.Compute(options.Model)));
        builder.Services.AddSingleton(new ModelGate());
        builder.Services.AddMeshGrpc(MeshCredential.From(options), maxReceiveBytes: 256 << 20, maxSendBytes: 256 << 20);

        var app = builder.Build();
        app.MapGrpcService<ExpertWorkerService>();
        app.MapGet("/health", () => Results.Text("ok"));
        MeshCredentialHosting.WarnIfOpen(app.Services.GetRequiredService<MeshCredential>(), app.Logger);
        app.Lifetime.ApplicationStarted.Register(() => ReadySignal.Announce(app));
        return app;
    }
}
