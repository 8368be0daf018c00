using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Decode;
using QwenMesh.Hosting;
using QwenMesh.ServiceDefaults.Logging;

namespace QwenMesh.Decode.Tenancy;

/// <summary>
/// Believes a /v1 request's tenant only when the mesh gateway signed it for this request id: forged, unsigned or expired
/// identity headers are refused (403), and so is a request with none when the worker is configured to serve only the
/// gateway. The verified identity becomes the request's <see cref="TenantIdentity"/>.
/// </summary>
public sealed class IdentityVerification(MeshIdentity identity, DecodeOptions options, TimeProvider clock) : IMiddleware
{
    public const string RefusedCode = "unsigned_identity";

    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/v1")) return next(http);
        RequestIdentity? verified;
        try
        {
            // RequestLog made the caller's x-request-id the trace identifier: the id the gateway signed.
            verified = identity.Verify(http.Request.Headers, http.TraceIdentifier, clock.GetUtcNow());
        }
        catch (UnauthenticatedIdentityException e)
        {
            throw Refuse(http, e.Message);
        }
        if (verified is null && options.RequireIdentity)
            throw Refuse(http, "this decode worker serves only requests signed by the mesh gateway");
        if (verified is not null) http.Features.Set(verified);
        if (http.Features.Get<RequestFacts>() is { } facts) facts.Tenant = (verified ?? TenantIdentity.Anonymous).Tenant;
        return next(http);
    }

    /// <summary>True when the request's identity was refused: nobody may be billed for it.</summary>
    public static bool Refused(HttpContext http) => http.Features.Get<IdentityRefusal>() is not null;

    static OpenAiException Refuse(HttpContext http, string message)
    {
        http.Features.Set(new IdentityRefusal());
        return new(403, OpenAiException.InvalidRequestType, message, code: RefusedCode);
    }

    sealed class IdentityRefusal;
}
