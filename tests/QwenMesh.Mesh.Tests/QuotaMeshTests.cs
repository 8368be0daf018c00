using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace QwenMesh.Mesh.Tests;

/// <summary>Quotas through two gateway replicas sharing one Redis: exact under concurrency, leases that cannot leak.</summary>
[Collection(SecuredMeshCollection.Name)]
public sealed class QuotaMeshTests(SecuredMeshFixture mesh)
{
    const string Model = "tiny";
    static readonly object[] Hello = [new { role = "user", content = "Hello, mesh" }];

    /// <summary>Per-minute windows are aligned to the minute: start a burst early enough in one that it cannot straddle two.</summary>
    static async Task AwayFromAMinuteBoundary()
    {
        int second = DateTime.UtcNow.Second;
        if (second > 40) await Task.Delay(TimeSpan.FromSeconds(61 - second));
    }

    static async Task<(int Status, string Body, HttpResponseMessage Response)> Send(OpenAiClient client, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        var response = await client.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task Requests_per_minute_hold_exactly_under_200_concurrent_requests_over_two_replicas()
    {
        var (_, key, _) = await mesh.TenantAsync("rpm", new { requests_per_minute = 50 });
        using var a = mesh.Client(key, 0);
        using var b = mesh.Client(key, 1);
        await AwayFromAMinuteBoundary();
        string json = OpenAiClient.Chat(Model, Hello, 1);
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Send(i % 2 == 0 ? a : b, json)));
        Assert.Equal(50, answers.Count(r => r.Status == 200));
        var refused = answers.Where(r => r.Status != 200).ToList();
        Assert.Equal(150, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(429, r.Status);
            var error = JsonDocument.Parse(r.Body).RootElement.GetProperty("error");
            Assert.Equal("requests", error.GetProperty("type").GetString());
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
            Assert.True(int.Parse(r.Response.Headers.GetValues("retry-after").Single()) >= 1);
            Assert.True(r.Response.Headers.Contains("retry-after-ms"));
            Assert.Equal("0", r.Response.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        });
        Assert.All(answers.Where(r => r.Status == 200), r =>
        {
            Assert.Equal("50", r.Response.Headers.GetValues("x-ratelimit-limit-requests").Single());
            Assert.Matches("^[0-9]+(ms|s|m[0-9]+s)$", r.Response.Headers.GetValues("x-ratelimit-reset-requests").Single());
            Assert.False(string.IsNullOrEmpty(r.Response.Headers.GetValues("x-request-id").Single()));
        });
    }

    [Fact]
    public async Task Tokens_per_minute_are_reserved_at_admission_so_concurrent_requests_never_exceed_the_limit()
    {
        const int limit = 3000;
        var (tenant, key, _) = await mesh.TenantAsync("tpm", new { tokens_per_minute = limit });
        using var a = mesh.Client(key, 0);
        using var b = mesh.Client(key, 1);
        await AwayFromAMinuteBoundary();
        string json = OpenAiClient.Chat(Model, Hello, 16);
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Send(i % 2 == 0 ? a : b, json)));
        var served = answers.Where(r => r.Status == 200).ToList();
        long used = served.Sum(r => (long)JsonDocument.Parse(r.Body).RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.NotEmpty(served);
        Assert.True(used <= limit, $"{served.Count} requests used {used} tokens, over the limit of {limit}");
        // Each reservation is bounded by its body's bytes + the template allowance + max_tokens; the limit admits at least that many at once.
        long reservation = Encoding.UTF8.GetByteCount(json) + 256 + 16;
        Assert.True(served.Count >= limit / reservation, $"only {served.Count} admitted for reservations of {reservation}");
        Assert.All(answers.Where(r => r.Status != 200), r =>
        {
            Assert.Equal(429, r.Status);
            Assert.Equal("tokens", JsonDocument.Parse(r.Body).RootElement.GetProperty("error").GetProperty("type").GetString());
        });
        Assert.All(answers, r => Assert.True(long.Parse(r.Response.Headers.GetValues("x-ratelimit-remaining-tokens").Single()) >= 0));
        Assert.Contains(answers, r => r.Status == 429);
        _ = tenant;
    }

    [Fact]
    public async Task A_daily_budget_refuses_with_insufficient_quota_once_spent()
    {
        var (_, key, _) = await mesh.TenantAsync("budget", new { tokens_per_day = 700 });
        using var client = mesh.Client(key);
        string json = OpenAiClient.Chat(Model, Hello, 8);
        int ok = 0;
        (int Status, string Body, HttpResponseMessage Response) last;
        do
        {
            last = await Send(client, json);
            if (last.Status == 200) ok++;
        } while (last.Status == 200 && ok < 50);
        Assert.Equal(429, last.Status);
        var error = JsonDocument.Parse(last.Body).RootElement.GetProperty("error");
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Equal("insufficient_quota", error.GetProperty("code").GetString());
        Assert.InRange(ok, 1, 49);
    }

    [Fact]
    public async Task A_cancelled_stream_frees_its_concurrency_slot_at_once()
    {
        var (_, key, _) = await mesh.TenantAsync("cancel", new { max_concurrent_requests = 1 });
        using var client = mesh.Client(key);
        using (var cts = new CancellationTokenSource())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(OpenAiClient.Chat(Model, Hello, 3000, stream: true), Encoding.UTF8, "application/json"),
            };
            using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            Assert.StartsWith("data: ", await reader.ReadLineAsync(cts.Token));
            var (busy, _, _) = await Send(client, OpenAiClient.Chat(Model, Hello, 1));
            Assert.Equal(429, busy);
            cts.Cancel();
        }
        var clock = Stopwatch.StartNew();
        int status;
        do status = (await Send(client, OpenAiClient.Chat(Model, Hello, 1))).Status;
        while (status == 429 && clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(200, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(SecuredMeshFixture.LeaseSeconds), $"the slot came back after {clock.Elapsed.TotalSeconds:F1} s, not at once");
    }

    [Fact]
    public async Task A_gateway_killed_with_minus_nine_frees_its_slots_within_one_lease()
    {
        var (_, key, _) = await mesh.TenantAsync("lease", new { max_concurrent_requests = 2 });
        using var doomed = mesh.Client(key, 1);
        using var survivor = mesh.Client(key, 0);
        int pid = mesh.Mesh.Child("gateway", 1).Pid;
        var streams = new List<HttpResponseMessage>();
        for (int i = 0; i < 2; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(OpenAiClient.Chat(Model, Hello, 3000, stream: true), Encoding.UTF8, "application/json"),
            };
            var response = await doomed.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            streams.Add(response);
        }
        Assert.Equal(429, (await Send(survivor, OpenAiClient.Chat(Model, Hello, 1))).Status);
        Process.GetProcessById(pid).Kill();
        var clock = Stopwatch.StartNew();
        int status;
        do
        {
            await Task.Delay(100);
            status = (await Send(survivor, OpenAiClient.Chat(Model, Hello, 1))).Status;
        } while (status == 429 && clock.Elapsed < TimeSpan.FromSeconds(20));
        foreach (var s in streams) s.Dispose();
        Assert.Equal(200, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(SecuredMeshFixture.LeaseSeconds + 2), $"the slots came back after {clock.Elapsed.TotalSeconds:F1} s");
        await ReliabilityMeshTests.WaitForRestart(mesh.Mesh, "gateway", 1, pid);
    }
}
