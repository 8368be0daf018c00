using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using QwenMesh.Decode.Api;
using QwenMesh.Decode.Completions;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Decode.Prefill;
using QwenMesh.Decode.StateStore;
using QwenMesh.Engine;
using QwenMesh.Engine.Decode;
using QwenMesh.Engine.Prefill;
using QwenMesh.Hosting;
using QwenMesh.Model;
using QwenMesh.Model.Tokenization;

namespace QwenMesh.Decode;

/// <summary>
/// The decode service process: the OpenAI-compatible HTTP API and the continuous-batching engine, prefilling
/// through a prefill pool (or itself when colocated). It owns the embedded state store when there is no Redis.
/// </summary>
public static class DecodeHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = ServingOptions.From(builder.Configuration);
        IPAddress bind = IPAddress.TryParse(options.Bind, out IPAddress? address)
            ? address
            : throw new InvalidOperationException($"QwenMesh:Bind must be an IP address, got '{options.Bind}'");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(bind, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            // The embedded state store is served over gRPC, which needs HTTP/2 with prior knowledge: its own port.
            if (options.GrpcPort > 0) k.Listen(bind, options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddQwenMeshModel(options).AddQwenMeshStateStore(options);
        builder.Services.AddSingleton<ITokenizer>(_ => TokenizerLoader.Load(options.Model));
        builder.Services.AddSingleton<ServedModel>();
        builder.Services.AddSingleton(new DecodeOptions());
        builder.Services.AddSingleton<DecodeEngine>();
        builder.Services.AddSingleton<IPrefillClient>(sp => PrefillClient(sp, options));
        builder.Services.AddSingleton<CompletionRunner>();
        builder.Services.AddSingleton<GenerationPump>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        builder.Services.AddSingleton<CompletionsEndpoint>();
        builder.Services.AddSingleton<OpenAiErrors>();
        builder.Services.AddGrpc(g => g.MaxReceiveMessageSize = 16 << 20);

        var app = builder.Build();
        app.UseMiddleware<OpenAiErrors>();
        app.MapPost("/v1/chat/completions", (HttpContext http, ChatCompletionsEndpoint e) => e.HandleAsync(http));
        app.MapPost("/v1/completions", (HttpContext http, CompletionsEndpoint e) => e.HandleAsync(http));
        app.MapGet("/v1/models", (ServedModel m) => Results.Bytes(ModelList.ToJson([new ModelCard(m.Name, 0)]), "application/json"));
        app.MapGet("/experts/load", (IServiceProvider sp) => ExpertLoadReport.Build(sp.GetService<Engine.Experts.RemoteExpertExecutor>()));
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/ready", (DecodeEngine engine) => Results.Json(new { ready = true, running = engine.Running, waiting = engine.Waiting }));
        if (options.GrpcPort > 0) app.MapGrpcService<StateStoreService>();
        app.Lifetime.ApplicationStarted.Register(() => ReadySignal.Announce(app));
        return app;
    }

    static IPrefillClient PrefillClient(IServiceProvider services, ServingOptions options)
    {
        string[] urls = (options.PrefillUrls ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            var worker = new PrefillWorker(services.GetRequiredService<QwenModel>(), services.GetRequiredService<Engine.State.StateCodec>(),
                services.GetRequiredService<Engine.State.IStateStore>(), services.GetRequiredService<ModelGate>());
            return new LocalPrefillClient(new PrefillQueue(worker), options);
        }
        var pool = urls.Select(u => new Contracts.V1.Prefill.PrefillClient(GrpcChannel.ForAddress(u))).ToList();
        return new GrpcPrefillClient(pool, options);
    }
}
