using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using QwenMesh.Gateway.Routing;
using QwenMesh.Gateway.Tenancy;
using QwenMesh.Metering;
using QwenMesh.Metering.Events;
using Yarp.ReverseProxy.Forwarder;

namespace QwenMesh.Gateway.Admission;

/// <summary>
/// The usage events the gateway emits itself, for requests no decode pod accounts for: one a pod took and could not
/// report (it died; status finished if the client had its whole answer, else failed or timeout; the prompt tokens if
/// decode had said them, no completion tokens, which only the engine counts), one no pod ever got (status rejected, no
/// tokens), and, when <see cref="UsageOptions.EmitRefusals"/> asks, one refused before admission.
/// Decode emits every other request's event, with the engine's counts; where both exist (a pod that wrote its event
/// and then died), consumers keep the engine's.
/// </summary>
public sealed class GatewayUsage(UsageEmitter emitter, UsageOptions options, TimeProvider clock)
{
    /// <summary>
    /// An admitted request no decode pod reported: <paramref name="pod"/> is the address it went to (null when none),
    /// <paramref name="end"/> how its forwarding ended (null: the client had the whole answer).
    /// </summary>
    public Task UnaccountedAsync(HttpContext http, AdmittedRequest admitted, string? pod, ForwarderError? end, long began) =>
        EmitAsync(http, admitted.Tenant, admitted.KeyId, admitted.Model, began, new Accounted(
            pod is null ? UsageStatus.Rejected
            : end is null && !admitted.PodDied && http.Response.StatusCode < 400 ? UsageStatus.Finished
            : end is ForwarderError.RequestTimedOut ? UsageStatus.Timeout
            : end is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled ? UsageStatus.Cancelled
            : UsageStatus.Failed,
            pod is null ? 0 : admitted.PromptTokens ?? 0, pod?.TrimEnd('/')));

    /// <summary>A request refused before admission (quota, model access), when refusals are asked for.</summary>
    public Task RefusedAsync(HttpContext http, Tenant tenant, string keyId, string? model, long began) =>
        options.EmitRefusals ? EmitAsync(http, tenant, keyId, model, began, new Accounted(UsageStatus.Rejected, 0, null)) : Task.CompletedTask;

    readonly record struct Accounted(string Status, int PromptTokens, string? Pod);

    Task EmitAsync(HttpContext http, Tenant tenant, string keyId, string? model, long began, Accounted accounted)
    {
        DateTimeOffset end = clock.GetUtcNow();
        TimeSpan took = Stopwatch.GetElapsedTime(began);
        string? session = http.Request.Headers[SessionOrLeastLoadedPolicy.SessionHeader] is { Count: > 0 } s && !string.IsNullOrEmpty(s[0]) ? s[0] : null;
        return emitter.EmitAsync(http.TraceIdentifier, end, new UsageData
        {
            Tenant = tenant.Name,
            ApiKeyId = keyId.Length > 0 ? keyId : null,
            Model = model ?? "",
            PromptTokens = accounted.PromptTokens,
            Status = accounted.Status,
            DurationMs = took.TotalMilliseconds,
            StartedAt = end - took,
            SessionId = session,
            DecodePod = accounted.Pod,
            AccountedBy = UsageData.Gateway,
        });
    }
}
