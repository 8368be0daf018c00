using QwenMesh.Hosting;
using QwenMesh.ServiceDefaults;

namespace QwenMesh.Prefill;

/// <summary>The prefill service process: a gRPC Prefill endpoint over the model and the state store; probes and metrics over HTTP/1.1.</summary>
public static class PrefillHost
{
    public const string Role = "qwenmesh-prefill";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = ServingOptions.From(builder.Configuration);
        builder.AddServiceDefaults(Role, options.ServedName);
        ServingEndpoints.Listen(builder, options);
        builder.Services.AddQwenMeshModel(options).AddQwenMeshStateStore(options).AddQwenMeshPrefill();
        builder.Services.AddMeshGrpc(MeshCredential.From(options), maxReceiveBytes: 64 << 20);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapGrpcService<PrefillService>();
        MeshCredentialHosting.WarnIfOpen(app.Services.GetRequiredService<MeshCredential>(), app.Logger);
        return app;
    }
}
