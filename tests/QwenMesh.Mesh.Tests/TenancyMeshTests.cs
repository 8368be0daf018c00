using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace QwenMesh.Mesh.Tests;

/// <summary>Keys, tenants and identity through the secured mesh's gateways.</summary>
[Collection(SecuredMeshCollection.Name)]
public sealed class TenancyMeshTests(SecuredMeshFixture mesh)
{
    const string Model = "tiny";
    static readonly object[] Hello = [new { role = "user", content = "Hello, mesh" }];

    static int Cached(JsonElement body) => body.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
    static string Content(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    static object[] Conversation(string answer) =>
        [new { role = "user", content = "Hello, mesh" }, new { role = "assistant", content = answer }, new { role = "user", content = "And then?" }];

    async Task<int> Status(string? key, int gateway = 0)
    {
        using var http = new HttpClient { BaseAddress = mesh.Gateway(gateway) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(OpenAiClient.Chat(Model, Hello, 1), Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }

    static void AssertInvalidKey(int status, string body)
    {
        Assert.Equal(401, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Without_a_valid_key_every_v1_call_and_the_admin_api_are_401_with_openais_body()
    {
        using var http = new HttpClient { BaseAddress = mesh.Gateway(0) };
        var none = await http.PostAsync("/v1/chat/completions", new StringContent(OpenAiClient.Chat(Model, Hello, 1), Encoding.UTF8, "application/json"));
        AssertInvalidKey((int)none.StatusCode, await none.Content.ReadAsStringAsync());
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "qm-not-a-key");
        var unknown = await http.SendAsync(wrong);
        AssertInvalidKey((int)unknown.StatusCode, await unknown.Content.ReadAsStringAsync());
        var (_, key, _) = await mesh.TenantAsync("notadmin");
        using var asTenant = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/tenants/anything");
        asTenant.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var admin = await http.SendAsync(asTenant);
        AssertInvalidKey((int)admin.StatusCode, await admin.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_rotated_key_works_for_its_grace_period_and_a_revoked_key_is_refused_by_every_replica_within_a_second()
    {
        var (_, oldKey, oldId) = await mesh.TenantAsync("rotate");
        using var admin = mesh.Admin();
        var rotated = await admin.PostAsJsonAsync($"/admin/v1/keys/{oldId}/rotate", new { grace_seconds = 2 });
        Assert.Equal(201, (int)rotated.StatusCode);
        var fresh = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync()).RootElement;
        string newKey = fresh.GetProperty("key").GetString()!, newId = fresh.GetProperty("id").GetString()!;
        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(200, await Status(oldKey, 0));
        Assert.Equal(200, await Status(newKey, 1));
        await Task.Delay(TimeSpan.FromSeconds(3.2));
        Assert.Equal(401, await Status(oldKey, 0));
        Assert.Equal(401, await Status(oldKey, 1));
        Assert.Equal(200, await Status(newKey, 0));

        Assert.Equal(204, (int)(await admin.DeleteAsync($"/admin/v1/keys/{newId}")).StatusCode);
        var clock = Stopwatch.StartNew();
        foreach (int gateway in new[] { 0, 1 })
        {
            while (await Status(newKey, gateway) != 401)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"gateway {gateway} still served a revoked key after {clock.Elapsed.TotalMilliseconds:F0} ms");
                await Task.Delay(50);
            }
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Tenants_with_the_same_session_id_never_share_state_whatever_headers_the_client_forges()
    {
        var (acme, acmeKey, _) = await mesh.TenantAsync("acme");
        var (_, globexKey, _) = await mesh.TenantAsync("globex");
        using var asAcme = mesh.Client(acmeKey);
        using var asGlobex = mesh.Client(globexKey, 1);
        string id = "shared-" + Guid.NewGuid().ToString("N");
        var session = new Dictionary<string, string> { ["x-session-id"] = id };
        var (_, first, _) = await asAcme.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 4), session);
        string followUp = OpenAiClient.Chat(Model, Conversation(Content(first)), 4);
        // Globex claims to be acme in the mesh's own headers: the gateway drops them and signs globex.
        var forged = new Dictionary<string, string> { ["x-session-id"] = id, ["x-qwenmesh-tenant"] = acme, ["x-qwenmesh-identity"] = "v1.0.00" };
        var (status, other, _) = await asGlobex.PostAsync("/v1/chat/completions", followUp, forged);
        Assert.Equal(200, status);
        Assert.Equal(0, Cached(other));
        var (_, same, _) = await asAcme.PostAsync("/v1/chat/completions", followUp, session);
        Assert.True(Cached(same) > 0, "acme's own follow-up resumes its session");
    }

    [Fact]
    public async Task Decode_refuses_requests_that_did_not_come_through_the_gateway()
    {
        using var direct = new OpenAiClient(new Uri(mesh.Mesh.Child("decode", 0).Url));
        var (anonymous, body, _) = await direct.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 1));
        Assert.Equal(403, anonymous);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        var forged = new Dictionary<string, string>
        {
            ["x-qwenmesh-tenant"] = "acme", ["x-qwenmesh-key-id"] = "key_0", ["x-qwenmesh-tenant-weight"] = "1",
            ["x-qwenmesh-identity"] = "v1." + DateTimeOffset.UtcNow.ToUnixTimeSeconds() + "." + new string('0', 64),
        };
        var (status, _, _) = await direct.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 1), forged);
        Assert.Equal(403, status);
    }

    [Fact]
    public async Task A_model_the_tenant_may_not_use_is_404_and_max_tokens_is_lowered_to_the_tenants_cap()
    {
        var (_, restricted, _) = await mesh.TenantAsync("restricted", models: ["some-other-model"]);
        using var client = mesh.Client(restricted);
        var (status, body, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 1));
        Assert.Equal(404, status);
        Assert.Equal("model_not_found", body.GetProperty("error").GetProperty("code").GetString());
        var listed = JsonDocument.Parse(await client.Http.GetStringAsync("/v1/models")).RootElement.GetProperty("data");
        Assert.Equal(0, listed.GetArrayLength());   // it may use no model this mesh serves, so it is shown none
        var (_, allowed, _) = await mesh.TenantAsync("allowed", models: [Model]);
        using (var allowedClient = mesh.Client(allowed))
        {
            var shown = JsonDocument.Parse(await allowedClient.Http.GetStringAsync("/v1/models")).RootElement.GetProperty("data");
            Assert.Equal(Model, Assert.Single(shown.EnumerateArray()).GetProperty("id").GetString());
        }

        var (_, capped, _) = await mesh.TenantAsync("capped", maxTokens: 3);
        using var cappedClient = mesh.Client(capped);
        var (ok, answer, _) = await cappedClient.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 50));
        Assert.Equal(200, ok);
        Assert.InRange(answer.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 3);
        string noMax = JsonSerializer.Serialize(new { model = Model, messages = Hello, temperature = 0 });
        var (ok2, answer2, _) = await cappedClient.PostAsync("/v1/chat/completions", noMax);
        Assert.Equal(200, ok2);
        Assert.InRange(answer2.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 3);
    }

    [Fact]
    public async Task The_usage_api_reports_what_each_key_used_in_openais_bucket_shape()
    {
        var (tenant, key, keyId) = await mesh.TenantAsync("usage");
        using var client = mesh.Client(key, 1);
        long start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        long prompt = 0, completion = 0;
        for (int i = 0; i < 3; i++)
        {
            var (_, body, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 2));
            prompt += body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
            completion += body.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        }
        using var admin = mesh.Admin(1);
        JsonElement page = default;
        long requests = 0;
        for (int attempt = 0; attempt < 20 && requests < 3; attempt++)
        {
            // Settlement follows each response; give the last one a moment.
            await Task.Delay(100);
            page = JsonDocument.Parse(await admin.GetStringAsync($"/admin/v1/tenants/{tenant}/usage?start_time={start}&bucket_width=1m")).RootElement;
            requests = page.GetProperty("data").EnumerateArray().SelectMany(b => b.GetProperty("results").EnumerateArray()).Sum(r => r.GetProperty("num_model_requests").GetInt64());
        }
        Assert.Equal("page", page.GetProperty("object").GetString());
        var results = page.GetProperty("data").EnumerateArray().SelectMany(b => b.GetProperty("results").EnumerateArray()).ToList();
        Assert.All(results, r =>
        {
            Assert.Equal(keyId, r.GetProperty("api_key_id").GetString());
            Assert.Equal(Model, r.GetProperty("model").GetString());
        });
        Assert.Equal(3, results.Sum(r => r.GetProperty("num_model_requests").GetInt64()));
        Assert.Equal(prompt, results.Sum(r => r.GetProperty("input_tokens").GetInt64()));
        Assert.Equal(completion, results.Sum(r => r.GetProperty("output_tokens").GetInt64()));
    }
}
