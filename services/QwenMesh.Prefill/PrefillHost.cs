using Microsoft.AspNetCore.Server.Kestrel.Core;
using QwenMesh.Engine.Prefill;
using QwenMesh.Hosting;

namespace QwenMesh.Prefill;

/// <summary>The prefill service process: a gRPC Prefill endpoint over the model and the state store.</summary>
public static class PrefillHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = ServingOptions.From(builder.Configuration);
        // gRPC over cleartext needs HTTP/2 with prior knowledge: this service speaks HTTP/2 only.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http2));
        builder.Services.AddQwenMeshModel(options).AddQwenMeshStateStore(options);
        builder.Services.AddSingleton<PrefillWorker>();
        builder.Services.AddSingleton<PrefillQueue>();
        builder.Services.AddGrpc(g => g.MaxReceiveMessageSize = 64 << 20);

        var app = builder.Build();
        app.MapGrpcService<PrefillService>();
        app.Lifetime.ApplicationStarted.Register(() => ReadySignal.Announce(app));
        return app;
    }
}
