using Microsoft.AspNetCore.Http;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Decode.Tenancy;
using QwenMesh.Engine.Decode;
using QwenMesh.Hosting;
using QwenMesh.ServiceDefaults.Logging;

namespace QwenMesh.Decode.Tests.Tenancy;

public sealed class IdentityVerificationTests
{
    static readonly MeshIdentity Mesh = new(new MeshCredential("mesh-secret"));
    static readonly RequestIdentity Acme = new("acme", "key-1", 2, 500);

    static DefaultHttpContext Request(string path = "/v1/chat/completions", string requestId = "req-1")
    {
        var http = new DefaultHttpContext { TraceIdentifier = requestId };
        http.Request.Path = path;
        http.Features.Set(new RequestFacts());
        return http;
    }

    static async Task<RequestIdentity> ServedAs(IdentityVerification verification, HttpContext http)
    {
        RequestIdentity? seen = null;
        await verification.InvokeAsync(http, h =>
        {
            seen = TenantIdentity.Of(h);
            return Task.CompletedTask;
        });
        return seen ?? throw new InvalidOperationException("the request never reached the handler");
    }

    static IdentityVerification Verification(bool required = false, MeshIdentity? identity = null) =>
        new(identity ?? Mesh, new DecodeOptions { RequireIdentity = required }, TimeProvider.System);

    [Fact]
    public async Task A_signed_identity_is_the_tenant_the_request_is_served_and_logged_as()
    {
        var http = Request();
        Mesh.Sign(http.Request.Headers, "req-1", Acme, DateTimeOffset.UtcNow);
        Assert.Equal(Acme, await ServedAs(Verification(required: true), http));
        Assert.Equal("acme", http.Features.Get<RequestFacts>()!.Tenant);
    }

    [Theory]
    [InlineData("forged")]
    [InlineData("other request")]
    [InlineData("unsigned")]
    [InlineData("expired")]
    public async Task An_identity_this_mesh_did_not_sign_for_this_request_is_refused_403(string how)
    {
        var http = Request();
        switch (how)
        {
            case "forged":
                Mesh.Sign(http.Request.Headers, "req-1", Acme, DateTimeOffset.UtcNow);
                http.Request.Headers[MeshIdentity.TenantHeader] = "victim";
                break;
            case "other request":
                Mesh.Sign(http.Request.Headers, "req-0", Acme, DateTimeOffset.UtcNow);
                break;
            case "unsigned":
                http.Request.Headers[MeshIdentity.TenantHeader] = "victim";
                break;
            case "expired":
                Mesh.Sign(http.Request.Headers, "req-1", Acme, DateTimeOffset.UtcNow - MeshIdentity.MaxAge - TimeSpan.FromMinutes(1));
                break;
        }
        OpenAiException refused = await Assert.ThrowsAsync<OpenAiException>(() => ServedAs(Verification(), http));
        Assert.Equal(403, refused.Status);
        Assert.Equal(OpenAiException.InvalidRequestType, refused.Type);
        Assert.Equal(IdentityVerification.RefusedCode, refused.Code);
        Assert.Null(http.Features.Get<RequestIdentity>());
    }

    [Fact]
    public async Task A_tenant_header_is_refused_where_the_mesh_has_no_secret_to_check_it()
    {
        var http = Request();
        http.Request.Headers[MeshIdentity.TenantHeader] = "victim";
        var open = new MeshIdentity(new MeshCredential(null));
        OpenAiException refused = await Assert.ThrowsAsync<OpenAiException>(() => ServedAs(Verification(identity: open), http));
        Assert.Equal(IdentityVerification.RefusedCode, refused.Code);
    }

    [Fact]
    public async Task Without_identity_a_request_is_the_default_tenant_unless_identity_is_required()
    {
        var http = Request();
        RequestIdentity served = await ServedAs(Verification(), http);
        Assert.Equal("default", served.Tenant);
        Assert.Null(served.Budget);
        Assert.Equal("default", http.Features.Get<RequestFacts>()!.Tenant);

        OpenAiException refused = await Assert.ThrowsAsync<OpenAiException>(() => ServedAs(Verification(required: true), Request()));
        Assert.Equal(403, refused.Status);
        Assert.Equal(IdentityVerification.RefusedCode, refused.Code);
        Assert.Contains("signed by the mesh gateway", refused.Message);
    }

    [Fact]
    public async Task Paths_outside_the_api_are_not_checked()
    {
        var http = Request("/internal/v1/requests/x/usage");
        http.Request.Headers[MeshIdentity.TenantHeader] = "anyone";
        Assert.Equal(TenantIdentity.Anonymous, await ServedAs(Verification(required: true), http));
    }
}
