namespace QwenMesh.Decode.Ledger;

/// <summary>
/// Gives every /v1 POST its one ledger entry, whatever its end: a finished request records its own usage on the way
/// out; one refused, cancelled or failed is recorded here, before the error mapping writes its response.
/// </summary>
public sealed class UsageRecording(UsageLedger ledger) : IMiddleware
{
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Path.StartsWithSegments("/v1"))
        {
            await next(http);
            return;
        }
        var meter = new UsageMeter(ledger, http.TraceIdentifier);
        http.Features.Set(meter);
        try
        {
            await next(http);
        }
        finally
        {
            meter.Ended(http.RequestAborted.IsCancellationRequested);
        }
    }
}
