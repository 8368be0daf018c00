using Grpc.Net.Client;
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
        // With QwenMesh:GrpcPort the embedded state store is served there to the prefill processes.
        ServingEndpoints.Listen(builder, options);
        var credential = MeshCredential.From(options);
        builder.Services.AddQwenMeshModel(options).AddQwenMeshStateStore(options);
        builder.Services.AddSingleton<ITokenizer>(_ => TokenizerLoader.Load(options.Model));
        builder.Services.AddSingleton<ServedModel>();
        builder.Services.AddSingleton(new DecodeOptions());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DecodeEngine>();
        builder.Services.AddSingleton<IPrefillClient>(sp => PrefillClient(sp, options, credential));
        builder.Services.AddSingleton<CompletionRunner>();
        builder.Services.AddSingleton<GenerationPump>();
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        builder.Services.AddSingleton<CompletionsEndpoint>();
        builder.Services.AddSingleton<OpenAiErrors>();
        builder.Services.AddMeshGrpc(credential, maxReceiveBytes: 16 << 20);

        var app = builder.Build();
        app.UseStatusCodePages(OpenAiErrors.StatusPageAsync);
        app.UseMiddleware<OpenAiErrors>();
        app.MapPost("/v1/chat/completions", (HttpContext http, ChatCompletionsEndpoint e) => e.HandleAsync(http));
        app.MapPost("/v1/completions", (HttpContext http, CompletionsEndpoint e) => e.HandleAsync(http));
        app.MapGet("/v1/models", (ServedModel m) => Results.Bytes(ModelList.ToJson([new ModelCard(m.Name, 0)]), "application/json"));
        app.MapGet("/experts/load", (IServiceProvider sp) => ExpertLoadReport.Build(sp.GetService<Engine.Experts.RemoteExpertExecutor>()));
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/ready", (DecodeEngine engine) => Results.Json(new { ready = true, running = engine.Running, waiting = engine.Waiting, reserved_bytes = engine.ReservedBytes }));
        if (options.GrpcPort > 0) app.MapGrpcService<StateStoreService>();
        app.Lifetime.ApplicationStarted.Register(() => ReadySignal.Announce(app));
        if (options.GrpcPort > 0) MeshCredentialHosting.WarnIfOpen(credential, app.Logger);
        return app;
    }

    static IPrefillClient PrefillClient(IServiceProvider services, ServingOptions options, MeshCredential credential)
    {
        string[] urls = (options.PrefillUrls ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            var worker = new PrefillWorker(services.GetRequiredService<QwenModel>(), services.GetRequiredService<Engine.State.StateCodec>(),
                services.GetRequiredService<Engine.State.IStateStore>(), services.GetRequiredService<ModelGate>(),
                services.GetRequiredService<Engine.State.StateLimits>());
            return new LocalPrefillClient(new PrefillQueue(worker));
        }
        var pool = urls.Select(u => new Contracts.V1.Prefill.PrefillClient(credential.Invoker(GrpcChannel.ForAddress(u)))).ToList();
        return new GrpcPrefillClient(pool, services.GetRequiredService<TimeProvider>());
    }
}
