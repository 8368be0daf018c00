using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QwenMesh.Gateway.Routing;
using QwenMesh.Gateway.Tenancy;
using QwenMesh.Hosting;
using QwenMesh.ServiceDefaults.Logging;
using QwenMesh.ServiceDefaults.Metrics;
using StackExchange.Redis;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace QwenMesh.Gateway.Admission;

/// <summary>
/// Every /v1 request's way through the gateway, in YARP's pipeline before the pod is picked: drop client-sent mesh
/// headers; authenticate the key (secured mode) or take the open gateway's default tenant; check the model and bound
/// the completion; admit against all the tenant's limits in one quota call (the prompt bound plus the completion bound
/// reserved); sign the identity for decode; forward; then, once the client has the whole response, settle the
/// reservation to what decode reports the request used, and free its concurrency lease.
/// </summary>
public sealed class AdmissionMiddleware(RequestDelegate next, GatewayOptions options, ITenantStore tenants, IQuotaStore quotas, MeshIdentity identity,
    UsageReports reports, GatewayUsage usageEvents, GatewayMetrics metrics, TimeProvider clock, ILogger<AdmissionMiddleware> log)
{
    /// <summary>The largest request body the gateway buffers (decode's own limit: a larger one would be refused there anyway).</summary>
    public const int MaxBodyBytes = 16 << 20;

    readonly Tenant _openTenant = new(Tenant.DefaultName, null, 1, options.Gateway.MaxTokens, TenantLimits.Unlimited);
    readonly TimeSpan _lease = TimeSpan.FromSeconds(options.Gateway.LeaseSeconds);

    public async Task InvokeAsync(HttpContext http)
    {
        long began = Stopwatch.GetTimestamp();
        foreach (string name in http.Request.Headers.Keys.Where(k => k.StartsWith(MeshIdentity.ReservedPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
            http.Request.Headers.Remove(name);
        // Decode logs, signs-checks and reports usage under the gateway's request id.
        http.Request.Headers[MeshIdentity.RequestIdHeader] = http.TraceIdentifier;
        string tenantLabel = "-", modelLabel = "-";
        try
        {
            KeyMatch? match = await AuthenticateAsync(http);
            if (match is null)
            {
                metrics.Refused("auth");
                await GatewayErrors.InvalidApiKeyAsync(http, http.Request.Headers.Authorization.Count == 0
                    ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                    : "Incorrect API key provided.");
                return;
            }
            Tenant tenant = match.Tenant;
            tenantLabel = tenant.Name;
            if (http.Features.Get<RequestFacts>() is { } facts) facts.Tenant = tenant.Name;
            if (!HttpMethods.IsPost(http.Request.Method))
            {
                // Listing models spends no tokens: authenticated, not metered (the list is cut to the tenant's models on the way back).
                http.Features.Set(tenant);
                Sign(http, match, budget: null);
                await next(http);
                await AnswerProxyErrorAsync(http);
                return;
            }
            CompletionBody? body = await ReadBodyAsync(http, tenant);
            if (body is null) return;
            modelLabel = body.Model ?? "-";
            if (body.Model is { } model && !tenant.MayUse(model))
            {
                metrics.Refused("model");
                await GatewayErrors.WriteAsync(http, StatusCodes.Status404NotFound, GatewayErrors.InvalidRequest,
                    $"The model `{model}` does not exist or you do not have access to it.", "model_not_found", "model");
                await usageEvents.RefusedAsync(http, tenant, match.KeyId, model, began);
                return;
            }
            var admitted = new AdmittedRequest(tenant, match.KeyId, http.TraceIdentifier, body.Model,
                promptBound: body.Bytes.Length + options.Gateway.PromptAllowanceTokens, completionBound: body.CompletionBound);
            QuotaDecision admission = await quotas.AdmitAsync(tenant, admitted.RequestId, admitted.Reserved, http.RequestAborted);
            metrics.Admission(Stopwatch.GetElapsedTime(began).TotalSeconds);
            RateLimitHeaders.Set(http.Response, admission);
            if (!admission.Admitted)
            {
                await RefuseAsync(http, admission, tenant);
                await usageEvents.RefusedAsync(http, tenant, match.KeyId, body.Model, began);
                return;
            }
            metrics.Reserved(tenant.Name, admitted.Reserved);
            await ForwardAndSettleAsync(http, admitted, body, began);
        }
        catch (RedisException e) when (!http.Response.HasStarted)
        {
            // No quota can be checked: refuse rather than admit unmetered (fail closed), and say it is transient.
            log.LogError("request {RequestId}: the quota store is unreachable: {Message}", http.TraceIdentifier, e.Message);
            http.Response.Headers.RetryAfter = "1";
            await GatewayErrors.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, GatewayErrors.ServerError, "the gateway cannot reach its quota store; retry shortly", null);
        }
        finally
        {
            metrics.Answered(tenantLabel, modelLabel, http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted ? 499 : http.Response.StatusCode);
        }
    }

    async Task<KeyMatch?> AuthenticateAsync(HttpContext http)
    {
        if (!options.Gateway.Secured) return new KeyMatch(_openTenant, "");
        string? header = http.Request.Headers.Authorization;
        const string bearer = "Bearer ";
        if (header is null || !header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return null;
        string key = header[bearer.Length..].Trim();
        return key.Length == 0 ? null : await tenants.AuthenticateAsync(key, http.RequestAborted);
    }

    async Task<CompletionBody?> ReadBodyAsync(HttpContext http, Tenant tenant)
    {
        // As decode and OpenAI: a body that says it is something else is refused; one that names no type is read as JSON.
        if (!JsonBodies.Accepts(http.Request.ContentType))
        {
            await GatewayErrors.WriteAsync(http, StatusCodes.Status415UnsupportedMediaType, GatewayErrors.InvalidRequest, $"the request body must be application/json, not '{http.Request.ContentType}'", null);
            return null;
        }
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            await GatewayErrors.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, GatewayErrors.InvalidRequest, $"the request body exceeds {MaxBodyBytes} bytes", "request_too_large");
            return null;
        }
        using var buffer = new MemoryStream();
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > MaxBodyBytes)
                {
                    await GatewayErrors.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, GatewayErrors.InvalidRequest, $"the request body exceeds {MaxBodyBytes} bytes", "request_too_large");
                    return null;
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            await GatewayErrors.WriteAsync(http, e.StatusCode, GatewayErrors.InvalidRequest, $"bad request body: {e.Message}", null);
            return null;
        }
        var body = CompletionBody.Prepare(buffer.ToArray(), tenant.MaxTokens, enforce: options.Gateway.Secured);
        if (body is null)
        {
            await GatewayErrors.WriteAsync(http, StatusCodes.Status400BadRequest, GatewayErrors.InvalidRequest,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)", null);
            return null;
        }
        // The body decode gets: ours, seekable, so a refused connection can be retried on another pod.
        http.Request.Body = new MemoryStream(body.Bytes, writable: false);
        http.Request.ContentLength = body.Bytes.Length;
        http.Request.Headers.Remove("Transfer-Encoding");
        return body;
    }

    Task RefuseAsync(HttpContext http, QuotaDecision admission, Tenant tenant)
    {
        var reason = admission.Refusal ?? RefusalReason.Requests;
        metrics.Refused(reason.ToString().ToLowerInvariant());
        const int tooMany = StatusCodes.Status429TooManyRequests;
        string wait = RateLimitHeaders.Duration(admission.RetryAfter);
        return reason switch
        {
            RefusalReason.Budget => GatewayErrors.WriteAsync(http, tooMany, "insufficient_quota",
                $"Tenant {tenant.Name} has used its daily token budget ({tenant.Limits.TokensPerDay}). It renews in {wait}.", "insufficient_quota"),
            RefusalReason.Tokens => GatewayErrors.WriteAsync(http, tooMany, "tokens",
                $"Rate limit reached for tenant {tenant.Name} on tokens per min (TPM): Limit {tenant.Limits.TokensPerMinute}, Remaining {admission.Tokens.Remaining}. Please try again in {wait}.", "rate_limit_exceeded"),
            RefusalReason.Concurrency => GatewayErrors.WriteAsync(http, tooMany, "requests",
                $"Rate limit reached for tenant {tenant.Name} on concurrent requests: Limit {tenant.Limits.MaxConcurrentRequests}. Please try again in {wait}.", "rate_limit_exceeded"),
            _ => GatewayErrors.WriteAsync(http, tooMany, "requests",
                $"Rate limit reached for tenant {tenant.Name} on requests per min (RPM): Limit {tenant.Limits.RequestsPerMinute}, Remaining {admission.Requests.Remaining}. Please try again in {wait}.", "rate_limit_exceeded"),
        };
    }

    void Sign(HttpContext http, KeyMatch match, long? budget)
    {
        // Without a mesh secret nothing can be signed: decode then serves everyone as its default tenant (open mode only; secured mode needs the secret).
        if (!identity.CanSign) return;
        identity.Sign(http.Request.Headers, http.TraceIdentifier, new RequestIdentity(match.Tenant.Name, match.KeyId, match.Tenant.Weight, budget), clock.GetUtcNow());
    }

    async Task ForwardAndSettleAsync(HttpContext http, AdmittedRequest admitted, CompletionBody body, long began)
    {
        // The open gateway bounds nothing (it has no token limits), so decode keeps its own cap.
        Sign(http, new KeyMatch(admitted.Tenant, admitted.KeyId), options.Gateway.Secured ? admitted.Reserved : null);
        http.Features.Set(admitted);
        using var leaseRenewal = new CancellationTokenSource();
        Task renewing = admitted.Tenant.Limits.MaxConcurrentRequests is null ? Task.CompletedTask : RenewLeaseAsync(admitted, leaseRenewal.Token);
        try
        {
            await next(http);
            await AnswerProxyErrorAsync(http);
            if (admitted.FirstBytesAt is { } first) metrics.FirstBytes(Stopwatch.GetElapsedTime(began, first).TotalSeconds);
            try
            {
                // The client gets its last byte now; settling is the gateway's business.
                await http.Response.CompleteAsync();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
            {
                // the client is gone, or YARP aborted the response: there is nothing left to send
            }
            metrics.Ended(Stopwatch.GetElapsedTime(began).TotalSeconds);
        }
        finally
        {
            leaseRenewal.Cancel();
            await renewing;
            await SettleAsync(http, admitted, began);
        }
    }

    async Task RenewLeaseAsync(AdmittedRequest admitted, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_lease / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await quotas.RenewAsync(admitted.Tenant, admitted.RequestId, stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "could not renew the concurrency lease of request {RequestId}; it may expire", admitted.RequestId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task SettleAsync(HttpContext http, AdmittedRequest admitted, long began)
    {
        // Settlement outlives the client: a cancelled request is charged what decode computed for it.
        var cancellation = CancellationToken.None;
        await admitted.Revision;
        // Reached: a pod got the request (a refused connection or an empty pool means nothing ran anywhere).
        var pod = http.GetReverseProxyFeature()?.ProxiedDestination;
        var error = http.Features.Get<IForwarderErrorFeature>();
        bool reached = pod is not null && error?.Error != ForwarderError.NoAvailableDestinations && !(error?.Error == ForwarderError.Request && Proxy.ConnectRetry.Refused(error.Exception));
        string? address = reached ? SessionOrLeastLoadedPolicy.Address(pod!) : null;
        UsageReport? report = address is not null ? await reports.GetAsync(address, admitted.RequestId, cancellation) : null;
        // Decode emitted the event of every request it reported; the gateway accounts for the rest, before it settles.
        if (report is null)
            await usageEvents.UnaccountedAsync(http, admitted, address,
                error?.Error, began);
        RequestUsage usage;
        if (report is not null) usage = new RequestUsage(admitted.KeyId, admitted.Model ?? "", report.PromptTokens, report.CachedTokens, report.CompletionTokens);
        else if (!reached) usage = new RequestUsage(admitted.KeyId, admitted.Model ?? "", 0, 0, 0);   // no pod ever got it: nothing ran
        else
        {
            // The pod took the request and cannot say what it ran: charge the whole reservation, so no limit is ever exceeded.
            long prompt = admitted.PromptTokens ?? admitted.Reserved - admitted.CompletionBound;
            usage = new RequestUsage(admitted.KeyId, admitted.Model ?? "", prompt, 0, admitted.Reserved - prompt);
            log.LogWarning("request {RequestId}: decode did not report its usage; settled to its reservation ({Tokens} tokens)", admitted.RequestId, admitted.Reserved);
        }
        try
        {
            await quotas.SettleAsync(admitted.Tenant, admitted.RequestId, usage, cancellation);
            metrics.Settled(admitted.Tenant.Name, usage.TotalTokens, reported: report is not null || !reached);
        }
        catch (Exception e)
        {
            // The reservation stays charged and the lease expires by itself: the limits hold either way.
            log.LogError(e, "request {RequestId}: settlement failed", admitted.RequestId);
        }
    }

    /// <summary>YARP answers a failed forward with a bare status; clients get OpenAI's error body (and a retry hint when no pod is there).</summary>
    static async Task AnswerProxyErrorAsync(HttpContext http)
    {
        if (http.Response.HasStarted || http.Features.Get<IForwarderErrorFeature>() is not { } error) return;
        switch (error.Error)
        {
            case ForwarderError.NoAvailableDestinations:
            case ForwarderError.Request:
                http.Response.Headers.RetryAfter = "2";
                await GatewayErrors.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, GatewayErrors.ServerError, "no decode worker is available; retry shortly", null);
                break;
            case ForwarderError.RequestTimedOut:
                await GatewayErrors.WriteAsync(http, StatusCodes.Status504GatewayTimeout, GatewayErrors.ServerError, "the decode worker did not answer in time", null);
                break;
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled:
                break;   // the client went away
            default:
                await GatewayErrors.WriteAsync(http, StatusCodes.Status502BadGateway, GatewayErrors.ServerError, "the decode worker failed to answer", null);
                break;
        }
    }
}
