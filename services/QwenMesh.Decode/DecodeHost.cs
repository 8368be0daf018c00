using QwenMesh.Decode.Api;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.Tenancy;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Decode;
using QwenMesh.Hosting;
using QwenMesh.ServiceDefaults;
using QwenMesh.Metering;

namespace QwenMesh.Decode;

/// <summary>
/// The decode service process: the OpenAI-compatible HTTP API and the continuous-batching engine, prefilling
/// through a prefill pool (or itself when colocated). It serves no gRPC: prefill answers it, never calls it.
/// </summary>
public static class DecodeHost
{
    public const string Role = "qwenmesh-decode";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = ServingOptions.From(builder.Configuration);
        builder.AddServiceDefaults(Role, options.ServedName);
        ServingEndpoints.Listen(builder, options);
        builder.Services.AddDecodeServices(options);
        builder.Services.AddUsageEvents(builder.Configuration, "decode");
        builder.Services.AddSingleton(MeshCredential.From(options));
        // On SIGTERM the host waits this long for running streams (new requests are refused meanwhile).
        builder.Services.AddOptions<HostOptions>().Configure<DecodeOptions>((host, decode) => host.ShutdownTimeout = TimeSpan.FromSeconds(decode.DrainTimeoutSeconds));

        var app = builder.Build();
        app.UseServiceDefaults(ReadyDetails);
        app.UseStatusCodePages(OpenAiErrors.StatusPageAsync);
        app.UseMiddleware<OpenAiErrors>();
        // Inside the error mapping, so that a refused request is in the ledger before its error body goes out.
        app.UseMiddleware<UsageRecording>();
        app.UseMiddleware<IdentityVerification>();
        app.MapPost("/v1/chat/completions", (HttpContext http, DrainGate gate, IServiceProvider sp) =>
        {
            gate.Admit();
            return sp.GetRequiredService<ChatCompletionsEndpoint>().HandleAsync(http);
        });
        app.MapPost("/v1/completions", (HttpContext http, DrainGate gate, IServiceProvider sp) =>
        {
            gate.Admit();
            return sp.GetRequiredService<CompletionsEndpoint>().HandleAsync(http);
        });
        app.MapPost("/v1/responses", (HttpContext http, DrainGate gate, IServiceProvider sp) =>
        {
            gate.Admit();
            return sp.GetRequiredService<ResponsesEndpoint>().HandleAsync(http);
        });
        app.MapGet("/v1/models", (DrainGate gate, IServiceProvider sp) =>
        {
            gate.Admit();
            return Results.Bytes(ModelList.ToJson([new ModelCard(sp.GetRequiredService<ServedModel>().Name, 0)]), "application/json");
        });
        // Not behind the drain gate: a draining pod still answers for the requests it served.
        app.MapGet(UsageReport.Route, (HttpContext http, string id, UsageEndpoint usage) => usage.HandleAsync(http, id));
        app.MapGet("/experts/load", (DrainGate gate, LoadedModel model) =>
        {
            gate.Admit();
            return ExpertLoadReport.Build(model.Experts);
        });
        return app;
    }

    static object ReadyDetails(IServiceProvider services)
    {
        var engine = services.GetRequiredService<DecodeEngine>();
        return new { ready = true, running = engine.Running, waiting = engine.Waiting, reserved_bytes = engine.ReservedBytes };
    }
}
