using QwenMesh.Decode.Tenancy;
using QwenMesh.Metering;

namespace QwenMesh.Decode.Ledger;

/// <summary>
/// Gives every /v1 POST its one account, whatever its end: a finished request closes its own on the way out; one
/// refused, cancelled or failed is closed here, before the error mapping writes its response.
/// </summary>
public sealed class UsageRecording(UsageLedger ledger, UsageEmitter emitter, TimeProvider clock) : IMiddleware
{
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Path.StartsWithSegments("/v1"))
        {
            await next(http);
            return;
        }
        var meter = new UsageMeter(ledger, emitter, http.TraceIdentifier, clock);
        http.Features.Set(meter);
        Exception? failure = null;
        try
        {
            await next(http);
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            // A client gone shows as the aborted token, or first as a failed write to its connection (an IOException, or
            // Kestrel's ConnectionAbortedException, an OperationCanceledException): decode has no timeout of its own that cancels.
            bool clientGone = http.RequestAborted.IsCancellationRequested || failure is IOException or OperationCanceledException;
            await meter.EndedAsync(clientGone, failure, TenantIdentity.Of(http), IdentityVerification.Refused(http));
        }
    }
}
