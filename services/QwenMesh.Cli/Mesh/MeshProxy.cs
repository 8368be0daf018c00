using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenMesh.Cli.Mesh;

/// <summary>
/// The local mesh's single front door when it runs several decode workers: forwards each request (streaming the
/// response through untouched) to one worker, the same worker for the same x-session-id, round-robin otherwise.
/// The production front door is the YARP gateway; this keeps `up` self-contained.
/// </summary>
public sealed class MeshProxy(IReadOnlyList<string> workers) : IAsyncDisposable
{
    readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    WebApplication? _app;
    int _next = -1;

    public async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = builder.Build();
        _app.Run(ForwardAsync);
        await _app.StartAsync();
    }

    string Pick(HttpRequest request)
    {
        string? session = request.Headers["x-session-id"];
        if (!string.IsNullOrEmpty(session)) return workers[(int)((uint)StringComparer.Ordinal.GetHashCode(session) % (uint)workers.Count)];
        return workers[(int)((uint)Interlocked.Increment(ref _next) % (uint)workers.Count)];
    }

    async Task ForwardAsync(HttpContext context)
    {
        var target = new Uri(Pick(context.Request) + context.Request.Path + context.Request.QueryString);
        using var outgoing = new HttpRequestMessage(new HttpMethod(context.Request.Method), target);
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            outgoing.Content = new StreamContent(context.Request.Body);
        foreach (var (name, value) in context.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) continue;
            if (!outgoing.Headers.TryAddWithoutValidation(name, value.ToArray())) outgoing.Content?.Headers.TryAddWithoutValidation(name, value.ToArray());
        }
        using HttpResponseMessage response = await _client.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, value) in response.Headers.Concat(response.Content.Headers))
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            context.Response.Headers[name] = value.ToArray();
        }
        await using Stream body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);   // SSE: pass each event on at once
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _client.Dispose();
    }
}
