using QwenMesh.Engine.Tests.Support;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Tests.Tenancy;

public sealed class TenantFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("qwenmesh-tenants-").FullName;
    static readonly string Hash = ApiKeys.Hash("qm-the-key");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Json_and_yaml_spell_the_same_tenants_in_the_admin_apis_schema()
    {
        string json = Write("tenants.json", $$"""
            {"tenants": [
              {"name": "acme", "models": ["tiny"], "weight": 2, "max_tokens": 512,
               "limits": {"requests_per_minute": 60, "tokens_per_minute": 10000, "max_concurrent_requests": 4, "tokens_per_day": 1000000},
               "keys": [{"id": "key_0123456789abcdef", "name": "ci", "hash": "{{Hash}}", "created_at": 1767225600}]},
              {"name": "globex", "models": null}
            ]}
            """);
        string yaml = Write("tenants.yaml", $"""
            tenants:
              - name: acme
                models: [tiny]
                weight: 2
                max_tokens: 512
                limits:
                  requests_per_minute: 60
                  tokens_per_minute: 10000
                  max_concurrent_requests: 4
                  tokens_per_day: 1000000
                keys:
                  - id: key_0123456789abcdef
                    name: ci
                    hash: "{Hash}"
                    created_at: 1767225600
              - name: globex
                models: null
            """);
        foreach (var path in new[] { json, yaml })
        {
            var tenants = TenantFile.Load(path);
            Assert.Equal(2, tenants.Count);
            var (acme, keys) = tenants[0];
            Assert.Equal(("acme", 2.0, 512, new TenantLimits(60, 10000, 4, 1000000)), (acme.Name, acme.Weight, acme.MaxTokens, acme.Limits));
            Assert.Equal(["tiny"], acme.Models!);
            Assert.Equal(new ApiKeyRecord("key_0123456789abcdef", "acme", "ci", Hash, 1767225600), Assert.Single(keys));
            var (globex, none) = tenants[1];
            Assert.Null(globex.Models);
            Assert.Equal((1.0, 4096, TenantLimits.Unlimited), (globex.Weight, globex.MaxTokens, globex.Limits));
            Assert.Empty(none);
        }
    }

    [Theory]
    [InlineData("""{"tenants": [{"name": "a", "keys": [{"id": "key_1", "hash": "qm-a-key-in-clear", "created_at": 0}]}]}""", "keys.hash")]
    [InlineData("""{"tenants": [{"name": "a b"}]}""", "name")]
    [InlineData("""{"tenants": [{"name": "a", "limits": {"requests_per_minute": 0}}]}""", "limits.requests_per_minute")]
    [InlineData("""{"tenants": [{"name": "a", "limits": {"requests_per_hour": 5}}]}""", "tenants")]
    [InlineData("""{"tenants": [{"name": "a"}, {"name": "a"}]}""", "tenants.name")]
    [InlineData("""{"tenants": [{"name": "a", "weight": -1}]}""", "weight")]
    public void A_file_that_does_not_hold_together_is_refused_naming_the_field(string json, string param)
    {
        var e = Assert.Throws<TenancyException>(() => TenantFile.Load(Write("bad.json", json)));
        Assert.Equal(param, e.Param);
    }

    [Theory]
    [InlineData("tenants.json")]
    [InlineData("tenants.yml")]
    public async Task Without_redis_the_admin_changes_are_kept_in_the_file(string name)
    {
        string path = Path.Combine(_dir, name);
        var clock = new ManualClock();
        var store = new InMemoryTenantStore(clock, path);
        await store.PutTenantAsync(new Tenant("acme", ["tiny"], 1.5, 100, new TenantLimits(TokensPerDay: 1000)), default);
        var issued = (await store.CreateKeyAsync("acme", "ci", default))!;
        Assert.DoesNotContain(issued.Key, File.ReadAllText(path));

        var restarted = new InMemoryTenantStore(clock, path);
        restarted.Apply(TenantFile.Load(path));
        var match = await restarted.AuthenticateAsync(issued.Key, default);
        Assert.Equal(("acme", 1.5, 100, new TenantLimits(TokensPerDay: 1000), issued.Record.Id),
            (match!.Tenant.Name, match.Tenant.Weight, match.Tenant.MaxTokens, match.Tenant.Limits, match.KeyId));
    }
}
