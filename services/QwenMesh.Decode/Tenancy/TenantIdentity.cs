using QwenMesh.Hosting;

namespace QwenMesh.Decode.Tenancy;

/// <summary>
/// The identity a request is served under, kept as an HTTP feature once <see cref="IdentityVerification"/> has checked it:
/// the only source of a request's tenant in decode (sessions, state keys, fair shares, metrics, logs).
/// </summary>
public static class TenantIdentity
{
    public const string DefaultTenant = "default";

    /// <summary>Who a request is when it names no one (a direct caller of an open mesh): one shared tenant, no token bound.</summary>
    public static readonly RequestIdentity Anonymous = new(DefaultTenant, "", 1, null);

    /// <summary>The verified identity of the request; <see cref="Anonymous"/> when it carried none.</summary>
    public static RequestIdentity Of(HttpContext http) => http.Features.Get<RequestIdentity>() ?? Anonymous;
}
