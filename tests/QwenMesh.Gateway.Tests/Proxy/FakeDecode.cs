using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenMesh.Gateway.Tests.Proxy;

/// <summary>
/// A stand-in decode pod for the proxy's own behaviour (what the gateway does with a stream, a death, a drain): it
/// answers /ready as decode does and streams events the test releases one by one. The real decode is in the mesh tests.
/// </summary>
public sealed class FakeDecode : IAsyncDisposable
{
    readonly WebApplication _app;

    public string Url { get; }
    public int Served => _served;
    int _served;
    public volatile bool Ready = true;
    public int ReportedLoad;
    /// <summary>Events of the stream in progress are released one at a time.</summary>
    public SemaphoreSlim Release { get; } = new(0);
    public ConcurrentQueue<string> SessionsSeen { get; } = new();
    /// <summary>The headers of the last completion request the pod got.</summary>
    public volatile IHeaderDictionary? LastHeaders;
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>After this many events the pod "dies": its connection is cut mid-stream.</summary>
    public int? DieAfterEvents;

    FakeDecode(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<FakeDecode> StartAsync()
    {
        int port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new FakeDecode(app, $"http://127.0.0.1:{port}");
        app.MapGet("/ready", (HttpContext http) => fake.Ready
            ? Results.Json(new { ready = true, running = fake.ReportedLoad, waiting = 0 })
            : Results.StatusCode(503));
        app.MapPost("/v1/chat/completions", fake.StreamAsync);
        await app.StartAsync();
        return fake;
    }

    async Task StreamAsync(HttpContext http)
    {
        Interlocked.Increment(ref _served);
        LastHeaders = new HeaderDictionary(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        if (http.Request.Headers["x-session-id"] is { Count: > 0 } s) SessionsSeen.Enqueue(s[0]!);
        http.RequestAborted.Register(() => Aborted.TrySetResult());
        using var reader = new StreamReader(http.Request.Body);
        string body = await reader.ReadToEndAsync();
        if (!body.Contains("\"stream\":true", StringComparison.Ordinal))
        {
            await http.Response.WriteAsJsonAsync(new { ok = true });
            return;
        }
        http.Response.ContentType = "text/event-stream";
        await http.Response.Body.FlushAsync(http.RequestAborted);   // headers first, as decode sends them
        for (int i = 0; i < 3; i++)
        {
            if (DieAfterEvents == i)
            {
                // Let the events sent reach the gateway first: a reset discards what the peer has not read yet.
                await Task.Delay(300);
                http.Abort();
                return;
            }
            await Release.WaitAsync(http.RequestAborted);
            await http.Response.WriteAsync($"data: {{\"event\":{i}}}\n\n", Encoding.UTF8, http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
