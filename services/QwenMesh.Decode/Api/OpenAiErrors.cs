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
                // Experts or the state store unreachable: the service is degraded, the request may be retried.
                Engine.Experts.ExpertUnavailableException => new OpenAiException(503, OpenAiException.OverloadedType, e.Message, retryAfter: TimeSpan.FromSeconds(2)),
                Engine.State.StateStoreUnavailableException => new OpenAiException(503, OpenAiException.OverloadedType, e.Message,
                    retryAfter: Engine.State.StateStoreUnavailableException.RetryAfter),
                // Something start-up has not finished yet (the admission gate normally refuses first).
                ServiceDefaults.Startup.ServiceStartingException => new OpenAiException(503, OpenAiException.OverloadedType, e.Message, retryAfter: TimeSpan.FromSeconds(5)),
                // Kestrel's verdict on the body (malformed chunks 400, a body slower or shorter than announced 408, too large 413).
                BadHttpRequestException bad => new OpenAiException(bad.StatusCode, OpenAiException.InvalidRequestType, $"bad request body: {bad.Message}"),
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
            await WriteAsync(http.Response, error);
        }
    }

    static async Task WriteAsync(HttpResponse response, OpenAiException error)
    {
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.RetryAfterSeconds is { } seconds) response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await response.Body.WriteAsync(error.ToErrorBody());
    }

    /// <summary>
    /// The body of an error response that no handler wrote (unknown path 404, wrong method 405, ...): OpenAI's shape too,
    /// so a client's error handling never meets an empty body.
    /// </summary>
    public static Task StatusPageAsync(Microsoft.AspNetCore.Diagnostics.StatusCodeContext context)
    {
        HttpResponse response = context.HttpContext.Response;
        string message = response.StatusCode switch
        {
            404 => $"unknown path {context.HttpContext.Request.Path}",
            405 => $"method {context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}",
            _ => $"request failed with HTTP {response.StatusCode}",
        };
        string type = response.StatusCode >= 500 ? OpenAiException.ServerErrorType : OpenAiException.InvalidRequestType;
        return WriteAsync(response, new OpenAiException(response.StatusCode, type, message));
    }
}
