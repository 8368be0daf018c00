using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using QwenMesh.Cli;
using QwenMesh.Engine.Tests.Support;

namespace QwenMesh.Mesh.Tests;

/// <summary>
/// A secured mesh: two gateway replicas sharing tenants, keys and quota counters through a real Redis, in front of two
/// decode workers and a prefill worker; concurrency leases of 3 s so that a killed gateway's slots come back quickly.
/// </summary>
public sealed class SecuredMeshFixture : IAsyncLifetime
{
    public const string AdminKey = "admin-key-for-the-mesh-tests";
    public const double LeaseSeconds = 3;
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-secured-tests", Guid.NewGuid().ToString("N"));

    public RedisServer Redis { get; } = new();
    public string Model => Path.Combine(_root, "tiny");
    public MeshProcess Mesh { get; private set; } = null!;

    public Uri Gateway(int index) => new(Mesh.Child("gateway", index).Url);

    public async Task InitializeAsync()
    {
        TinyModel.Write(Model);
        await Redis.InitializeAsync();
        Mesh = MeshProcess.Start(new Dictionary<string, string>
        {
            ["QwenMesh__Gateway__LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["QwenMesh__Gateway__HealthIntervalSeconds"] = "0.5",
        }, "--model", Model, "--redis", Redis.Endpoint, "--admin-key", AdminKey, "--gateway-replicas", "2", "--decode-workers", "2");
    }

    /// <summary>The admin API of gateway <paramref name="index"/>, with the admin key.</summary>
    public HttpClient Admin(int index = 0)
    {
        var http = new HttpClient { BaseAddress = Gateway(index), Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return http;
    }

    /// <summary>Creates (or replaces) a tenant with a fresh name from <paramref name="prefix"/> and returns its name and a new key.</summary>
    public async Task<(string Tenant, string Key, string KeyId)> TenantAsync(string prefix, object? limits = null, int maxTokens = 4096, string[]? models = null, double weight = 1)
    {
        string tenant = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        using var admin = Admin();
        var put = await admin.PutAsJsonAsync($"/admin/v1/tenants/{tenant}", new { models, weight, max_tokens = maxTokens, limits = limits ?? new { } });
        Assert.Equal(200, (int)put.StatusCode);
        var key = await admin.PostAsJsonAsync($"/admin/v1/tenants/{tenant}/keys", new { name = "tests" });
        Assert.Equal(201, (int)key.StatusCode);
        var body = JsonDocument.Parse(await key.Content.ReadAsStringAsync()).RootElement;
        return (tenant, body.GetProperty("key").GetString()!, body.GetProperty("id").GetString()!);
    }

    /// <summary>An OpenAI client on gateway <paramref name="index"/> that sends <paramref name="key"/>.</summary>
    public OpenAiClient Client(string key, int index = 0)
    {
        var client = new OpenAiClient(Gateway(index));
        client.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async Task DisposeAsync()
    {
        Mesh?.Dispose();
        await Redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredMeshCollection : ICollectionFixture<SecuredMeshFixture>
{
    public const string Name = "secured mesh";
}
