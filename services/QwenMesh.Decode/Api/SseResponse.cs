using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Api;

/// <summary>
/// A text/event-stream response: each event is flushed at once so the client sees tokens as they come.
/// </summary>
/// <remarks>Events go out one at a time: choices streamed side by side share the response.</remarks>
public sealed class SseResponse(HttpContext http)
{
    readonly SemaphoreSlim _wire = new(1);

    public bool Started { get; private set; }

    public async Task StartAsync()
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        Started = true;
        await http.Response.StartAsync(http.RequestAborted);
    }

    public async Task SendAsync(byte[] json, string? eventName = null)
    {
        await _wire.WaitAsync(http.RequestAborted);
        try
        {
            await http.Response.Body.WriteAsync(eventName is null ? ServerSentEvents.Data(json) : ServerSentEvents.Named(eventName, json), http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        finally
        {
            _wire.Release();
        }
    }

    public async Task DoneAsync()
    {
        await http.Response.Body.WriteAsync(ServerSentEvents.Done(), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
