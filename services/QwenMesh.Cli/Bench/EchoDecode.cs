using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenMesh.Cli.Bench;

/// <summary>
/// A decode pod that does no work: /ready, a one-event chat stream, and the usage report. What the gateway benchmark
/// puts behind the gateway, so that what it measures is the gateway's own cost and nothing of the model's.
/// </summary>
public sealed class EchoDecode : IAsyncDisposable
{
    static readonly byte[] Stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n"u8.ToArray();
    readonly WebApplication _app;

    public string Url { get; }

    EchoDecode(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<EchoDecode> StartAsync()
    {
        int port = Mesh.FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/ready", () => Results.Json(new { ready = true, running = 0, waiting = 0 }));
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            await http.Request.Body.CopyToAsync(System.IO.Stream.Null);
            http.Response.ContentType = "text/event-stream";
            await http.Response.Body.WriteAsync(Stream);
        });
        app.MapGet(Hosting.UsageReport.Route, (string id) => Results.Json(new Hosting.UsageReport(id, 1, 0, 1, "finished")));
        await app.StartAsync();
        return new EchoDecode(app, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
