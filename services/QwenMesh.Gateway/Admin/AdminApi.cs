using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Admin;

/// <summary>
/// /admin/v1: tenants, their keys and their usage, behind the admin key (anything else is 401 in OpenAI's shape).
/// Keys are answered in clear once, when made; only their hashes are kept.
/// </summary>
public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/v1").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var credential = http.RequestServices.GetService(typeof(AdminCredential)) as AdminCredential;
            if (credential is null || !credential.Enabled)
            {
                await GatewayErrors.WriteAsync(http, StatusCodes.Status403Forbidden, GatewayErrors.InvalidRequest,
                    $"the admin API needs secured mode: start the gateway with an admin key (QwenMesh:Gateway:AdminKey or {GatewayOptions.AdminKeyVariable})", "admin_api_disabled");
                return Results.Empty;
            }
            if (!credential.Accepts(http.Request))
            {
                await GatewayErrors.InvalidApiKeyAsync(http, "The admin API needs the admin key (Authorization: Bearer ADMIN_KEY).");
                return Results.Empty;
            }
            try
            {
                return await next(context);
            }
            catch (TenancyException e)
            {
                await GatewayErrors.WriteAsync(http, StatusCodes.Status400BadRequest, GatewayErrors.InvalidRequest, e.Message, "invalid_value", e.Param);
                return Results.Empty;
            }
        });

        admin.MapPut("/tenants/{tenant}", async (string tenant, HttpContext http, ITenantStore store) =>
        {
            var document = await ReadAsync<TenantDocument>(http) ?? new TenantDocument();
            if (document.Keys is not null) throw new TenancyException("keys", "keys are made with POST /admin/v1/tenants/{tenant}/keys, not set on the tenant");
            if (document.Name is { } named && named != tenant) throw new TenancyException("name", $"the body names tenant {named}, the path {tenant}");
            var saved = await store.PutTenantAsync(document.ToTenant(tenant), http.RequestAborted);
            return Results.Json(TenantDocument.From(saved), TenantDocument.Json);
        });
        admin.MapGet("/tenants/{tenant}", async (string tenant, HttpContext http, ITenantStore store) =>
            await store.GetTenantAsync(tenant, http.RequestAborted) is { } found ? Results.Json(TenantDocument.From(found), TenantDocument.Json) : NoTenant(tenant));
        admin.MapDelete("/tenants/{tenant}", async (string tenant, HttpContext http, ITenantStore store) =>
            await store.DeleteTenantAsync(tenant, http.RequestAborted) ? Results.NoContent() : NoTenant(tenant));

        admin.MapPost("/tenants/{tenant}/keys", async (string tenant, HttpContext http, ITenantStore store) =>
        {
            var body = await ReadAsync<KeyRequest>(http);
            string name = body?.Name ?? "";
            if (name.Length > 128) throw new TenancyException("name", "a key's name is at most 128 characters");
            return await store.CreateKeyAsync(tenant, name, http.RequestAborted) is { } issued ? Issued(issued) : NoTenant(tenant);
        });
        admin.MapPost("/keys/{id}/rotate", async (string id, HttpContext http, ITenantStore store) =>
        {
            var body = await ReadAsync<RotateRequest>(http);
            long grace = body?.GraceSeconds ?? 0;
            if (grace is < 0 or > 30 * 86400) throw new TenancyException("grace_seconds", "grace_seconds must be 0 to 2592000 (30 days)");
            return await store.RotateKeyAsync(id, TimeSpan.FromSeconds(grace), http.RequestAborted) is { } issued ? Issued(issued) : NoKey(id);
        });
        admin.MapDelete("/keys/{id}", async (string id, HttpContext http, ITenantStore store) =>
            await store.RevokeKeyAsync(id, http.RequestAborted) ? Results.NoContent() : NoKey(id));

        admin.MapGet("/tenants/{tenant}/usage", async (string tenant, HttpContext http, IQuotaStore quotas, TimeProvider clock) =>
        {
            var query = UsageQuery.From(http.Request.Query, clock.GetUtcNow());
            var buckets = await quotas.UsageAsync(tenant, query.Start, query.PageEnd, query.Width, http.RequestAborted);
            return Results.Json(UsagePage.From(buckets, query), UsagePage.Json);
        });
    }

    static IResult Issued(IssuedKey issued) => Results.Json(new IssuedKeyDocument(issued.Record.Id, issued.Key, issued.Record.Tenant, issued.Record.Name, issued.Record.CreatedAt),
        TenantDocument.Json, statusCode: StatusCodes.Status201Created);

    static IResult NoTenant(string tenant) => NotFound($"No tenant named '{tenant}'.", "tenant_not_found");
    static IResult NoKey(string id) => NotFound($"No API key with id '{id}'.", "key_not_found");

    static IResult NotFound(string message, string code) =>
        Results.Content(GatewayErrors.Body(message, GatewayErrors.InvalidRequest, code), "application/json", statusCode: StatusCodes.Status404NotFound);

    /// <summary>The JSON body (null when there is none); a body that is not this shape is a 400 naming why.</summary>
    static async Task<T?> ReadAsync<T>(HttpContext http) where T : class
    {
        if (http.Request.ContentLength == 0) return null;
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            if (buffer.Length == 0) return null;
            if (buffer.Length > 1 << 20) throw new TenancyException("body", "the body exceeds 1 MiB");
            return JsonSerializer.Deserialize<T>(buffer.ToArray(), TenantDocument.Json);
        }
        catch (JsonException e)
        {
            throw new TenancyException(e.Path?.TrimStart('$', '.') is { Length: > 0 } path ? path : "body", $"the body is not valid: {e.Message}");
        }
    }

    sealed record KeyRequest([property: JsonPropertyName("name")] string? Name);
    sealed record RotateRequest([property: JsonPropertyName("grace_seconds")] long? GraceSeconds);
    sealed record IssuedKeyDocument(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("key")] string Key,
        [property: JsonPropertyName("tenant")] string Tenant,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("created_at")] long CreatedAt);
}
