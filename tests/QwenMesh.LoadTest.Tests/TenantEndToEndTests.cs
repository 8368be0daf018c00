using System.Text.Json;
using QwenMesh.LoadTest.Tests.Fakes;
using Xunit.Abstractions;

namespace QwenMesh.LoadTest.Tests;

/// <summary>
/// Multi-tenant runs against the fake server acting as a gateway: it requires one of the tenants' keys and
/// refuses some tenants with OpenAI-style 429 bodies.
/// </summary>
[Collection(FakeServerCollection.Name)]
public sealed class TenantEndToEndTests(ITestOutputHelper output)
{
    const string AliceKey = "sk-alice-SECRET-41b7";
    const string BobKey = "sk-bob-SECRET-c09e";
    const string CarolKey = "sk-carol-SECRET-77d2";

    static FakeResponse Answer() => new FakeResponse.Stream(ChatScript.Answer(TimeSpan.Zero, TimeSpan.Zero, 12, 7, 0));

    static string? KeyOf(RecordedRequest request) => request.Header("Authorization") is { } h && h.StartsWith("Bearer ", StringComparison.Ordinal) ? h[7..] : null;

    void AssertNoKey(AppRun run)
    {
        output.WriteLine(run.Stderr);
        output.WriteLine(run.Stdout);
        Assert.DoesNotContain("SECRET", run.Stdout);
        Assert.DoesNotContain("SECRET", run.Stderr);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Requests_are_shared_by_weight_and_a_refused_tenant_is_counted_apart_from_failures(bool json)
    {
        await using var server = FakeChatServer.Start(
            request => KeyOf(request) == BobKey
                ? new FakeResponse.Error(429, ChatScript.RateLimitBody("tokens", "bob is over his token rate"), RetryAfter: "1", RetryAfterMs: "0")
                : Answer(),
            apiKeys: [AliceKey, BobKey]);
        AppRun run = await AppRun.OfAsync(
        [
            "--url", server.BaseUrl.ToString(), "--concurrency", "2", "--requests", "8",
            "--tenant", $"alice={AliceKey}:3", "--tenant", $"bob={BobKey}", .. json ? new[] { "--json" } : [],
        ]);
        AssertNoKey(run);

        Assert.Equal(ExitCodes.Done, run.ExitCode);
        RecordedRequest[] requests = server.ChatRequests.ToArray();
        Assert.Equal(8, requests.Length);
        Assert.Equal(6, requests.Count(r => KeyOf(r) == AliceKey));
        Assert.Equal(2, requests.Count(r => KeyOf(r) == BobKey));
        Assert.Equal([$"Bearer {AliceKey}"], server.ModelAuthorizations);
        if (!json)
        {
            Assert.Contains("tenants: alice (weight 3), bob (weight 1)", run.Stdout);
            Assert.Contains("refused (429, not failures):", run.Stdout);
            Assert.Contains("  conc 2: tokens x2 (bob is over his token rate)", run.Stdout);
            Assert.Contains("by tenant, conc 2: Jain's fairness over tokens / weight 0.500", run.Stdout);
            string bobRow = Assert.Single(run.Stdout.Split('\n'), l => l.TrimStart().StartsWith("bob ", StringComparison.Ordinal));
            Assert.Equal(["bob", "1", "2", "0", "2", "0/2/0", "0", "0", "-", "-", "0.0"], bobRow.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("errors:", run.Stdout);
            return;
        }

        JsonElement phase = run.Phase(0);
        Assert.Equal(6, phase.GetProperty("succeeded").GetInt32());
        Assert.Equal(2, phase.GetProperty("refused").GetInt32());
        Assert.Equal(0, phase.GetProperty("failed").GetInt32());
        Assert.Empty(phase.GetProperty("errors").EnumerateObject());
        Assert.Equal(2, phase.GetProperty("refusals").GetProperty("tokens").GetInt32());
        Assert.Equal(0, phase.GetProperty("retries").GetInt32());
        Assert.Equal(0, run.Json.GetProperty("retry_429").GetInt32());

        JsonElement tenants = phase.GetProperty("tenants");
        Assert.Equal(["alice", "bob"], tenants.EnumerateObject().Select(t => t.Name));
        JsonElement alice = tenants.GetProperty("alice");
        Assert.Equal(3, alice.GetProperty("weight").GetDouble());
        Assert.Equal(6, alice.GetProperty("requests").GetInt32());
        Assert.Equal(6, alice.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, alice.GetProperty("refused").GetInt32());
        Assert.Equal(42, alice.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Number, alice.GetProperty("ttft_p50_ms").ValueKind);
        Assert.Equal(JsonValueKind.Number, alice.GetProperty("ttft_p99_ms").ValueKind);
        Assert.True(alice.GetProperty("throughput_tokens_per_s").GetDouble() > 0);

        JsonElement bob = tenants.GetProperty("bob");
        Assert.Equal(2, bob.GetProperty("requests").GetInt32());
        Assert.Equal(0, bob.GetProperty("succeeded").GetInt32());
        Assert.Equal(2, bob.GetProperty("refused").GetInt32());
        Assert.Equal(0, bob.GetProperty("failed").GetInt32());
        Assert.Equal(
            ["requests=0", "tokens=2", "insufficient_quota=0"],
            bob.GetProperty("refusals").EnumerateObject().Select(e => $"{e.Name}={e.Value.GetInt32()}"));
        Assert.Equal(0, bob.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, bob.GetProperty("ttft_p50_ms").ValueKind);

        // tokens / weight: alice 42 / 3 = 14, bob 0 -> 14^2 / (2 * 14^2) = 0.5.
        Assert.Equal(0.5, phase.GetProperty("jain_fairness_index").GetDouble());
    }

    [Fact]
    public async Task Retry_429_resends_after_retry_after_ms_but_never_a_spent_quota()
    {
        int bobAttempts = 0;
        await using var server = FakeChatServer.Start(
            request => KeyOf(request) switch
            {
                // bob is over his request rate twice, then served.
                BobKey when Interlocked.Increment(ref bobAttempts) <= 2 =>
                    new FakeResponse.Error(429, ChatScript.RateLimitBody("requests"), RetryAfterMs: "150"),
                CarolKey => new FakeResponse.Error(429, ChatScript.RateLimitBody("insufficient_quota", "quota spent"), RetryAfterMs: "0"),
                _ => Answer(),
            },
            apiKeys: [AliceKey, BobKey, CarolKey]);
        var started = DateTime.UtcNow;
        AppRun run = await AppRun.OfAsync(
            "--url", server.BaseUrl.ToString(), "--requests", "4", "--retry-429", "3", "--json",
            "--tenant", $"alice={AliceKey}:2", "--tenant", $"bob={BobKey}", "--tenant", $"carol={CarolKey}");
        AssertNoKey(run);

        Assert.Equal(ExitCodes.Done, run.ExitCode);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(300), "the two retries did not wait retry-after-ms");
        RecordedRequest[] requests = server.ChatRequests.ToArray();
        Assert.Equal(3, requests.Count(r => KeyOf(r) == BobKey));
        Assert.Equal(1, requests.Count(r => KeyOf(r) == CarolKey));

        JsonElement phase = run.Phase(0);
        Assert.Equal(3, run.Json.GetProperty("retry_429").GetInt32());
        Assert.Equal(4, phase.GetProperty("requests").GetInt32());
        Assert.Equal(2, phase.GetProperty("retries").GetInt32());
        JsonElement bob = phase.GetProperty("tenants").GetProperty("bob");
        Assert.Equal((1, 1, 0, 2), (bob.GetProperty("requests").GetInt32(), bob.GetProperty("succeeded").GetInt32(),
            bob.GetProperty("refused").GetInt32(), bob.GetProperty("retries").GetInt32()));
        JsonElement carol = phase.GetProperty("tenants").GetProperty("carol");
        Assert.Equal(1, carol.GetProperty("refusals").GetProperty("insufficient_quota").GetInt32());
        Assert.Equal(0, carol.GetProperty("retries").GetInt32());
    }

    [Fact]
    public async Task A_wrong_key_is_a_401_failure_and_the_key_the_server_echoes_is_hidden()
    {
        await using var server = FakeChatServer.Start(_ => Answer(), apiKeys: [AliceKey]);
        AppRun run = await AppRun.OfAsync(
            "--url", server.BaseUrl.ToString(), "--requests", "4",
            "--tenant", $"alice={AliceKey}", "--tenant", $"mallory=sk-mallory-SECRET-0000");
        AssertNoKey(run);

        Assert.Equal(ExitCodes.Done, run.ExitCode);
        Assert.Contains("401 x2 (Incorrect API key provided: [key].)", run.Stdout);
        string row = Assert.Single(run.Stdout.Split('\n'), l => l.TrimStart().StartsWith("mallory ", StringComparison.Ordinal));
        Assert.Equal(["mallory", "1", "2", "0", "0", "0/0/0", "2"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(7));
    }

    [Fact]
    public async Task A_run_where_every_request_is_refused_exits_1_naming_the_refusal()
    {
        await using var server = FakeChatServer.Start(
            _ => new FakeResponse.Error(429, ChatScript.RateLimitBody("insufficient_quota", "quota spent"), RetryAfterMs: "0"),
            apiKeys: [AliceKey]);
        AppRun run = await AppRun.OfAsync("--url", server.BaseUrl.ToString(), "--requests", "2", "--json", "--tenant", $"alice={AliceKey}");
        AssertNoKey(run);

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Equal("qwenmesh-load: no request succeeded (429 insufficient_quota: quota spent)", run.StderrLines[^1]);
        Assert.Equal(JsonValueKind.Null, run.Phase(0).GetProperty("jain_fairness_index").ValueKind);
    }
}
