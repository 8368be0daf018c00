using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using QwenMesh.Cli.Bench;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `bench-gateway`: what the gateway adds to a request. A secured gateway (tenant with limits, so every request runs
/// the whole admission: key lookup, the quota script, signing, settlement) in front of a decode stand-in that does no
/// work; time to the first event direct and through the gateway at concurrency 1 and 32 (rounds alternate, so both
/// see the same machine), requests/s one replica sustains, and the quota check alone. Quotas are in Redis with
/// --redis, else in process. The last line is one JSON object.
/// </summary>
public static class BenchGatewayCommand
{
    static readonly int[] Concurrency = [1, 32];

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        bool json = o.Flag("json");
        string? redis = o.String("redis");
        int requests = o.Int("requests", min: 10) ?? 2000;
        o.EnsureAllUsed();
        TextWriter log = json ? stderr : stdout;
        return RunAsync(redis, requests, log, stdout).GetAwaiter().GetResult();
    }

    static async Task<int> RunAsync(string? redis, int requests, TextWriter log, TextWriter stdout)
    {
        await using var echo = await EchoDecode.StartAsync();
        int port = Mesh.FreePorts.Next();
        string secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var args = new List<string>
        {
            $"--QwenMesh:HttpPort={port}", $"--QwenMesh:Gateway:Decode={echo.Url}", $"--QwenMesh:MeshSecret={secret}",
            $"--QwenMesh:Gateway:AdminKey={Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))}",
            "--Logging:LogLevel:Default=Warning",
        };
        if (redis is not null) args.Add($"--QwenMesh:Redis={redis}");
        await using WebApplication gateway = Gateway.GatewayHost.Build([.. args]);
        await gateway.StartAsync();
        var tenants = gateway.Services.GetRequiredService<ITenantStore>();
        var limits = new TenantLimits(RequestsPerMinute: 100_000_000, TokensPerMinute: 100_000_000_000, MaxConcurrentRequests: 100_000, TokensPerDay: 1_000_000_000_000);
        var tenant = await tenants.PutTenantAsync(new Tenant("bench-" + Guid.NewGuid().ToString("N")[..8], null, 1, 16, limits), CancellationToken.None);
        IssuedKey key = (await tenants.CreateKeyAsync(tenant.Name, "bench", CancellationToken.None))!;

        using var direct = Client(echo.Url, null);
        using var through = Client($"http://127.0.0.1:{port}", key.Key);
        byte[] body = Encoding.UTF8.GetBytes("""{"model":"echo","messages":[{"role":"user","content":"Hello"}],"max_tokens":8,"stream":true}""");
        log.WriteLine($"gateway benchmark: quotas {(redis is null ? "in process" : $"in Redis at {redis}")}, {requests} requests per concurrency level and path");
        for (int i = 0; i < 200; i++) await FirstEventMs(direct, body);   // warm-up: connections, JIT, the script's SHA
        for (int i = 0; i < 200; i++) await FirstEventMs(through, body);

        var ttft = new Dictionary<string, object>();
        foreach (int c in Concurrency)
        {
            var d = new List<double>();
            var g = new List<double>();
            int rounds = 10;
            for (int r = 0; r < rounds; r++)
            {
                d.AddRange(await Load(direct, body, c, requests / rounds));
                g.AddRange(await Load(through, body, c, requests / rounds));
            }
            var entry = new Dictionary<string, double>
            {
                ["direct_p50_ms"] = Timing.Percentile(d, 0.5), ["direct_p99_ms"] = Timing.Percentile(d, 0.99),
                ["gateway_p50_ms"] = Timing.Percentile(g, 0.5), ["gateway_p99_ms"] = Timing.Percentile(g, 0.99),
            };
            entry["added_p50_ms"] = Math.Round(entry["gateway_p50_ms"] - entry["direct_p50_ms"], 3);
            entry["added_p99_ms"] = Math.Round(entry["gateway_p99_ms"] - entry["direct_p99_ms"], 3);
            ttft[c.ToString(CultureInfo.InvariantCulture)] = entry;
            log.WriteLine($"  concurrency {c,2}: first event p50 {entry["direct_p50_ms"]:F2} -> {entry["gateway_p50_ms"]:F2} ms, p99 {entry["direct_p99_ms"]:F2} -> {entry["gateway_p99_ms"]:F2} ms");
        }

        var clock = Stopwatch.StartNew();
        int done = (await Load(through, body, 64, requests * 2)).Count;
        double rps = done / clock.Elapsed.TotalSeconds;
        log.WriteLine($"  one gateway replica: {rps:F0} requests/s at concurrency 64 (the client and the stand-in share its 2 cores)");

        var quotas = gateway.Services.GetRequiredService<IQuotaStore>();
        var admit = new List<double>();
        for (int i = 0; i < Math.Min(requests, 2000); i++)
        {
            string id = "bench-" + i.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
            long t0 = Stopwatch.GetTimestamp();
            await quotas.AdmitAsync(tenant, id, 100, CancellationToken.None);
            admit.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            await quotas.SettleAsync(tenant, id, new RequestUsage(key.Record.Id, "echo", 1, 0, 1), CancellationToken.None);
        }
        log.WriteLine($"  quota check (every limit, one call): p50 {Timing.Percentile(admit, 0.5):F3} ms, p99 {Timing.Percentile(admit, 0.99):F3} ms");
        await gateway.StopAsync();

        stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["quota_store"] = redis is null ? "memory" : "redis",
            ["first_event_ms"] = ttft,
            ["gateway_requests_per_s"] = Math.Round(rps, 1),
            ["quota_check_ms"] = new Dictionary<string, double> { ["p50"] = Timing.Percentile(admit, 0.5), ["p99"] = Timing.Percentile(admit, 0.99) },
        }));
        return 0;
    }

    static HttpClient Client(string url, string? key)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    static async Task<List<double>> Load(HttpClient client, byte[] body, int concurrency, int total)
    {
        var times = new List<double>(total);
        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= total)
            {
                double ms = await FirstEventMs(client, body);
                lock (times) times.Add(ms);
            }
        }));
        return times;
    }

    /// <summary>From sending the request to reading its first event, then the rest of the stream.</summary>
    static async Task<double> FirstEventMs(HttpClient client, byte[] body)
    {
        long t0 = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new IOException($"the benchmark's request failed: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await reader.ReadLineAsync();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        await reader.ReadToEndAsync();
        return ms;
    }

}
