using QwenMesh.Engine.Prefill;
using QwenMesh.Hosting;

namespace QwenMesh.Prefill;

/// <summary>The prefill service process: a gRPC Prefill endpoint over the model and the state store, /health over HTTP/1.1.</summary>
public static class PrefillHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = ServingOptions.From(builder.Configuration);
        ServingEndpoints.Listen(builder, options);
        builder.Services.AddQwenMeshModel(options).AddQwenMeshStateStore(options);
        builder.Services.AddSingleton<PrefillWorker>();
        builder.Services.AddSingleton<PrefillQueue>();
        builder.Services.AddMeshGrpc(MeshCredential.From(options), maxReceiveBytes: 64 << 20);

        var app = builder.Build();
        app.MapGrpcService<PrefillService>();
        app.MapGet("/health", () => Results.Text("ok"));
        app.Lifetime.ApplicationStarted.Register(() => ReadySignal.Announce(app));
        MeshCredentialHosting.WarnIfOpen(app.Services.GetRequiredService<MeshCredential>(), app.Logger);
        return app;
    }
}
