using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Cli.Mesh;

/// <summary>
/// The local mesh's front door: forwards each request (streaming the response through untouched) to one decode
/// worker, the same worker for the same x-session-id, round-robin otherwise. A worker that refuses the connection
/// (dead, restarting) is skipped for a cool-down and the request goes to the next; with none left the client gets a
/// 503 with an OpenAI error body; a worker that dies mid-stream ends the stream with an error event.
/// The production front door is the YARP gateway; this keeps `up` self-contained.
/// </summary>
public sealed class MeshProxy(IReadOnlyList<string> workers) : IAsyncDisposable
{
    static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(2);
    const int MaxBodyBytes = Decode.Api.RequestBody.MaxBytes + 1;

    readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    readonly long[] _downUntil = new long[workers.Count];
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

    /// <summary>Every worker once: the session's own (or the next round-robin) first, those cooling down last.</summary>
    List<int> Order(HttpRequest request)
    {
        string? session = request.Headers["x-session-id"];
        int first = !string.IsNullOrEmpty(session)
            ? (int)((uint)StringComparer.Ordinal.GetHashCode(session) % (uint)workers.Count)
            : (int)((uint)Interlocked.Increment(ref _next) % (uint)workers.Count);
        var order = Enumerable.Range(0, workers.Count).Select(i => (first + i) % workers.Count).ToList();
        long now = Environment.TickCount64;
        return [.. order.Where(w => Volatile.Read(ref _downUntil[w]) <= now), .. order.Where(w => Volatile.Read(ref _downUntil[w]) > now)];
    }

    async Task ForwardAsync(HttpContext context)
    {
        // The body is kept so the request can go to another worker when the first cannot be reached.
        byte[]? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var buffer = new MemoryStream();
            try
            {
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            }
            catch (BadHttpRequestException e)
            {
                await FailAsync(context, new OpenAiException(e.StatusCode, OpenAiException.InvalidRequestType, $"bad request body: {e.Message}"));
                return;
            }
            body = buffer.ToArray();
        }
        foreach (int worker in Order(context.Request))
        {
            HttpResponseMessage response;
            try
            {
                response = await _client.SendAsync(Outgoing(context, workers[worker], body), HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            }
            catch (HttpRequestException)
            {
                Volatile.Write(ref _downUntil[worker], Environment.TickCount64 + (long)CoolDown.TotalMilliseconds);
                continue;
            }
            using (response) await RelayAsync(context, response);
            return;
        }
        await FailAsync(context, OpenAiException.Overloaded(TimeSpan.FromSeconds(2)));
    }

    static HttpRequestMessage Outgoing(HttpContext context, string worker, byte[]? body)
    {
        var outgoing = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(worker + context.Request.Path + context.Request.QueryString));
        if (body is not null) outgoing.Content = new ByteArrayContent(body);
        foreach (var (name, value) in context.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            if (!outgoing.Headers.TryAddWithoutValidation(name, value.ToArray())) outgoing.Content?.Headers.TryAddWithoutValidation(name, value.ToArray());
        }
        return outgoing;
    }

    static async Task RelayAsync(HttpContext context, HttpResponseMessage response)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, value) in response.Headers.Concat(response.Content.Headers))
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            context.Response.Headers[name] = value.ToArray();
        }
        bool sse = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        var buffer = new byte[16 * 1024];
        try
        {
            await using Stream upstream = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            int read;
            while ((read = await upstream.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);   // SSE: pass each event on at once
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            // The worker died mid-response. A stream ends with an OpenAI error event the client can read; a JSON body cannot be mended.
            if (sse) await context.Response.Body.WriteAsync(ServerSentEvents.Data(new OpenAiException(502, OpenAiException.ServerErrorType, "the decode worker serving this stream went away").ToErrorBody()));
            else context.Abort();
        }
    }

    static async Task FailAsync(HttpContext context, OpenAiException error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        if (error.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(error.ToErrorBody());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _client.Dispose();
    }
}
