using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenMesh.ServiceDefaults.Logging;

/// <summary>
/// One structured line per request at Information, written when the request ends (for a stream: after its last
/// event): request id, tenant (as authenticated: <see cref="RequestFacts.Tenant"/>), model, status, token counts, TTFT and duration. Probes are logged at Debug only.
/// The request id is the caller's <c>x-request-id</c> (the gateway sets one) or a new one, echoed on the response.
/// </summary>
internal sealed class RequestLog(RequestDelegate next, ILogger<RequestLog> log)
{
    public const string RequestIdHeader = "x-request-id";

    /// <summary>"-" for what does not apply to this request (a probe has no tokens), as access logs write it.</summary>
    static object Or(int? value) => value is { } v ? v : "-";

    public async Task InvokeAsync(HttpContext http)
    {
        long began = Stopwatch.GetTimestamp();
        string requestId = http.Request.Headers[RequestIdHeader] is { Count: > 0 } given && given[0] is { Length: > 0 and <= 128 } id
            ? id
            : Guid.NewGuid().ToString("N");
        http.TraceIdentifier = requestId;
        http.Response.Headers[RequestIdHeader] = requestId;
        var facts = new RequestFacts();
        http.Features.Set(facts);
        try
        {
            await next(http);
        }
        finally
        {
            LogLevel level = Probes.IsProbe(http.Request.Path) ? LogLevel.Debug : LogLevel.Information;
            if (log.IsEnabled(level))
            {
                log.Log(level,
                    "request {RequestId} {Method} {Path} {Status} tenant={Tenant} model={Model} prompt_tokens={PromptTokens} completion_tokens={CompletionTokens} cached_tokens={CachedTokens} finish={FinishReason} ttft_ms={TtftMs} duration_ms={DurationMs}",
                    requestId, http.Request.Method, http.Request.Path.Value, http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted ? 499 : http.Response.StatusCode,
                    facts.Tenant ?? "-", facts.Model ?? "-", Or(facts.PromptTokens), Or(facts.CompletionTokens),
                    Or(facts.CachedTokens), facts.FinishReason ?? "-", facts.TtftMs is { } t ? Math.Round(t, 1) : "-",
                    Math.Round(Stopwatch.GetElapsedTime(began).TotalMilliseconds, 1));
            }
        }
    }
}
