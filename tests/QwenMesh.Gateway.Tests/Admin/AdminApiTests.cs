using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using QwenMesh.Gateway.Tenancy;
using QwenMesh.Gateway.Tests.Proxy;
using QwenMesh.Hosting;

namespace QwenMesh.Gateway.Tests.Admin;

/// <summary>A secured gateway in process (no Redis: tenants in its file) in front of a stand-in pod: the admin API, keys, signed identity.</summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    const string AdminKey = "an-admin-key-for-these-tests";
    const string Secret = "a-mesh-secret-for-these-tests";
    readonly string _dir = Directory.CreateTempSubdirectory("qwenmesh-admin-").FullName;
    FakeDecode _pod = null!;
    readonly List<WebApplication> _gateways = [];

    public async Task InitializeAsync() => _pod = await FakeDecode.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _gateways) await app.DisposeAsync();
        await _pod.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    async Task<HttpClient> GatewayAsync(bool secured = true, string? bearer = AdminKey, params string[] extra)
    {
        int port = FakeDecode.FreePort();
        var args = new List<string> { $"--QwenMesh:HttpPort={port}", $"--QwenMesh:Gateway:Decode={_pod.Url}", $"--QwenMesh:Gateway:TenantsFile={Path.Combine(_dir, "tenants.json")}",
            $"--QwenMesh:Usage:Outbox={Path.Combine(_dir, $"outbox-{port}")}" };
        args.AddRange(extra);
        if (secured) args.AddRange([$"--QwenMesh:Gateway:AdminKey={AdminKey}", $"--QwenMesh:MeshSecret={Secret}"]);
        var app = GatewayHost.Build([.. args]);
        await app.StartAsync();
        _gateways.Add(app);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }

    static async Task<(int Status, JsonElement Body)> Json(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    static string ErrorCode(JsonElement body) => body.GetProperty("error").GetProperty("code").GetString()!;

    /// <summary>The usage events a gateway on <paramref name="http"/> wrote to its outbox, once <paramref name="count"/> are there.</summary>
    async Task<List<Metering.Events.UsageEvent>> EventsAsync(HttpClient http, int count)
    {
        string folder = Path.Combine(_dir, $"outbox-{http.BaseAddress!.Port}");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var events = Metering.Outbox.OutboxSegment.InOrder(folder).SelectMany(s => Metering.Outbox.OutboxSegment.Records(s))
                .Select(r => Metering.Events.UsageEvent.Decode(r.Record)).ToList();
            if (events.Count >= count || DateTime.UtcNow > deadline) return events;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Refusals_before_admission_are_billed_only_when_asked_for()
    {
        using var admin = await GatewayAsync(true, AdminKey, "--QwenMesh:Usage:EmitRefusals=true");
        Assert.Equal(200, (int)(await admin.PutAsJsonAsync("/admin/v1/tenants/acme", new { max_tokens = 8, limits = new { requests_per_minute = 1 } })).StatusCode);
        var (_, issued) = await Json(await admin.PostAsJsonAsync("/admin/v1/tenants/acme/keys", new { name = "ci" }));
        string key = issued.GetProperty("key").GetString()!;
        // A second replica without the flag, reading the same tenants file (each counts its own requests in memory).
        using var quiet = await GatewayAsync();
        async Task<(int Status, string Id)> ChatAsync(HttpClient gateway)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("""{"model":"m","messages":[]}""", Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode, response.Headers.GetValues("x-request-id").Single());
        }
        Assert.Equal(200, (await ChatAsync(admin)).Status);
        Assert.Equal(200, (await ChatAsync(quiet)).Status);
        var (refused, billed) = await ChatAsync(admin);
        var (alsoRefused, unbilled) = await ChatAsync(quiet);
        Assert.Equal((429, 429), (refused, alsoRefused));
        var refusal = Assert.Single(await EventsAsync(admin, 2), e => e.Id == billed);
        Assert.Equal(("acme", Metering.Events.UsageStatus.Rejected, issued.GetProperty("id").GetString(), 0), (refusal.Data.Tenant, refusal.Data.Status, refusal.Data.ApiKeyId, refusal.Data.PromptTokens));
        Assert.DoesNotContain(await EventsAsync(quiet, 1), e => e.Id == unbilled);
    }

    [Fact]
    public async Task An_open_gateway_has_no_admin_api()
    {
        using var http = await GatewayAsync(secured: false);
        var (status, body) = await Json(await http.GetAsync("/admin/v1/tenants/acme"));
        Assert.Equal(403, status);
        Assert.Equal("admin_api_disabled", ErrorCode(body));
    }

    [Fact]
    public async Task Tenants_are_put_read_and_deleted_and_bad_ones_are_400_naming_the_field()
    {
        using var admin = await GatewayAsync();
        var (bad, error) = await Json(await admin.PutAsJsonAsync("/admin/v1/tenants/acme", new { limits = new { tokens_per_minute = 0 } }));
        Assert.Equal(400, bad);
        Assert.Equal("limits.tokens_per_minute", error.GetProperty("error").GetProperty("param").GetString());
        var (unknown, _) = await Json(await admin.PutAsync("/admin/v1/tenants/acme", new StringContent("""{"limits": {"rpm": 5}}""", Encoding.UTF8, "application/json")));
        Assert.Equal(400, unknown);
        var (badName, _) = await Json(await admin.PutAsJsonAsync("/admin/v1/tenants/a%7Bb%7D", new { }));
        Assert.Equal(400, badName);

        var (ok, tenant) = await Json(await admin.PutAsJsonAsync("/admin/v1/tenants/acme",
            new { models = new[] { "m" }, weight = 2, max_tokens = 64, limits = new { requests_per_minute = 10 } }));
        Assert.Equal(200, ok);
        Assert.Equal("acme", tenant.GetProperty("name").GetString());
        Assert.Equal(64, tenant.GetProperty("max_tokens").GetInt32());
        Assert.Equal(10, tenant.GetProperty("limits").GetProperty("requests_per_minute").GetInt64());
        Assert.Equal(JsonValueKind.Null, tenant.GetProperty("limits").GetProperty("tokens_per_day").ValueKind);
        var (got, again) = await Json(await admin.GetAsync("/admin/v1/tenants/acme"));
        Assert.Equal((200, 2.0), (got, again.GetProperty("weight").GetDouble()));
        Assert.Equal(204, (int)(await admin.DeleteAsync("/admin/v1/tenants/acme")).StatusCode);
        var (gone, body) = await Json(await admin.GetAsync("/admin/v1/tenants/acme"));
        Assert.Equal(404, gone);
        Assert.Equal("tenant_not_found", ErrorCode(body));
    }

    [Fact]
    public async Task A_key_is_shown_once_and_its_requests_reach_decode_signed_as_its_tenant_whatever_the_client_sent()
    {
        using var admin = await GatewayAsync();
        Assert.Equal(200, (int)(await admin.PutAsJsonAsync("/admin/v1/tenants/acme", new { max_tokens = 32 })).StatusCode);
        var (created, issued) = await Json(await admin.PostAsJsonAsync("/admin/v1/tenants/acme/keys", new { name = "ci" }));
        Assert.Equal(201, created);
        string key = issued.GetProperty("key").GetString()!, id = issued.GetProperty("id").GetString()!;
        Assert.Equal("acme", issued.GetProperty("tenant").GetString());
        Assert.True(issued.GetProperty("created_at").GetInt64() > 1_700_000_000);
        Assert.DoesNotContain(key, await File.ReadAllTextAsync(Path.Combine(_dir, "tenants.json")));
        Assert.Contains(ApiKeys.Hash(key), await File.ReadAllTextAsync(Path.Combine(_dir, "tenants.json")));

        using var client = new HttpClient { BaseAddress = admin.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"m","messages":[],"max_tokens":1000}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("x-qwenmesh-tenant", "globex");
        request.Headers.Add("x-request-id", "chosen-by-the-client");
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        var headers = _pod.LastHeaders!;
        string requestId = headers["x-request-id"]!;
        Assert.NotEqual("chosen-by-the-client", requestId);
        Assert.Equal(requestId, response.Headers.GetValues("x-request-id").Single());
        var identity = new MeshIdentity(new MeshCredential(Secret)).Verify(headers, requestId, DateTimeOffset.UtcNow)!;
        Assert.Equal(("acme", id), (identity.Tenant, identity.KeyId));
        // The bound decode is held to: the body's bytes + the template allowance + max_tokens lowered to the cap of 32.
        Assert.InRange(identity.Budget!.Value, 32 + 256, 32 + 256 + 100);

        Assert.Equal(204, (int)(await admin.DeleteAsync($"/admin/v1/keys/{id}")).StatusCode);
        using var revoked = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        revoked.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var (status, body) = await Json(await client.SendAsync(revoked));
        Assert.Equal(401, status);
        Assert.Equal("invalid_api_key", ErrorCode(body));
        Assert.Equal(404, (int)(await admin.DeleteAsync($"/admin/v1/keys/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_tenants_file_declares_tenants_and_key_hashes_and_the_usage_api_checks_its_query()
    {
        string key = "qm-declared-in-the-file";
        await File.WriteAllTextAsync(Path.Combine(_dir, "tenants.json"), $$"""
            {"tenants": [{"name": "filed", "keys": [{"id": "key_filed", "name": "gitops", "hash": "{{ApiKeys.Hash(key)}}", "created_at": 0}]}]}
            """);
        using var admin = await GatewayAsync();
        using var client = new HttpClient { BaseAddress = admin.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("""{"model":"m","messages":[]}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(200, (int)(await client.SendAsync(request)).StatusCode);

        var (missing, error) = await Json(await admin.GetAsync("/admin/v1/tenants/filed/usage"));
        Assert.Equal(400, missing);
        Assert.Equal("start_time", error.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(400, (await Json(await admin.GetAsync("/admin/v1/tenants/filed/usage?start_time=0&bucket_width=1w"))).Status);
        // Three minutes back, so the two-bucket page ends a whole minute before "now" even when now is on a minute boundary.
        long start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 180;
        var (ok, page) = await Json(await admin.GetAsync($"/admin/v1/tenants/filed/usage?start_time={start}&bucket_width=1m&limit=2"));
        Assert.Equal(200, ok);
        Assert.Equal(2, page.GetProperty("data").GetArrayLength());
        Assert.True(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(start - start % 60 + 120, long.Parse(page.GetProperty("next_page").GetString()!));
    }
}
