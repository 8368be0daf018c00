using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Api;

/// <summary>
/// Turns every failure of an API request into OpenAI's error shape: the exception's status (with Retry-After when
/// overloaded), or 500. After an SSE stream has started, the error goes out as a final data event instead.
/// </summary>
public sealed class OpenAiErrors(ILogger<OpenAiErrors> log) : IMiddleware
{
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its sequence was released by the engine.
        }
        catch (Exception e)
        {
            OpenAiException error = e switch
            {
                OpenAiException known => known,
                // Experts unreachable (no healthy replica): the service is degraded, the request may be retried.
                Engine.Experts.ExpertUnavailableException => new OpenAiException(503, "overloaded_error", e.Message, retryAfter: TimeSpan.FromSeconds(2)),
                _ => OpenAiException.ServerError("internal error: " + e.Message),
            };
            if (error.Status >= 500 && e is not OpenAiException) log.LogError(e, "request failed");
            if (http.Response.HasStarted)
            {
                // Mid-stream: the status line is gone, so the error travels as a last event, if the client is still there.
                try
                {
                    await http.Response.Body.WriteAsync(ServerSentEvents.Data(error.ToErrorBody()));
                }
                catch (Exception write) when (write is IOException or OperationCanceledException)
                {
                }
                return;
            }
            http.Response.StatusCode = error.Status;
            http.Response.ContentType = "application/json";
            if (error.RetryAfterSeconds is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await http.Response.Body.WriteAsync(error.ToErrorBody());
        }
    }
}
