using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using System.Text.RegularExpressions;
using QwenMesh.Cli;
using QwenMesh.Engine.Tests.Support;

namespace QwenMesh.Mesh.Tests;

/// <summary>
/// A disaggregated mesh (prefill and decode processes, state in a real Redis, two expert workers) that writes its
/// traces to a folder and exports them over OTLP/HTTP to a receiver here: what an operator scrapes and traces.
/// </summary>
public sealed class ObservedMeshFixture : IAsyncLifetime
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-observed-tests", Guid.NewGuid().ToString("N"));

    public RedisServer Redis { get; } = new();
    public string Model => Path.Combine(_root, "tiny");
    public string Traces => Path.Combine(_root, "traces");
    public MeshProcess Mesh { get; private set; } = null!;

    /// <summary>The bodies of the OTLP trace exports the mesh's processes sent.</summary>
    public ConcurrentQueue<byte[]> OtlpExports { get; } = new();
    WebApplication? _collector;

    public static readonly (string Role, int Index)[] Children = [("gateway", 0), ("decode", 0), ("prefill", 0), ("expert-worker", 0), ("expert-worker", 1)];

    public async Task InitializeAsync()
    {
        TinyModel.Write(Model);
        await Redis.InitializeAsync();
        int otlpPort = MeshProcess.FreePort();
        var collector = WebApplication.CreateBuilder();
        collector.WebHost.UseUrls($"http://127.0.0.1:{otlpPort}");
        _collector = collector.Build();
        _collector.MapPost("/v1/traces", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            OtlpExports.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await _collector.StartAsync();
        Mesh = MeshProcess.Start(new Dictionary<string, string>
        {
            ["QwenMesh__Tracing__Directory"] = Traces,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{otlpPort}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
        }, "--model", Model, "--redis", Redis.Endpoint, "--expert-workers", "2");
    }


    public async Task DisposeAsync()
    {
        Mesh?.Dispose();
        if (_collector is not null) await _collector.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

public sealed partial class ObservabilityMeshTests(ObservedMeshFixture fixture) : IClassFixture<ObservedMeshFixture>
{
    const string Model = "tiny";
    static readonly object[] Hello = [new { role = "user", content = "Hello, operator" }];

    static async Task<string> Get(string url)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(url);
    }

    /// <summary>Sample values of the decode process by series (name plus labels, model_name left out).</summary>
    async Task<Dictionary<string, double>> Scrape(string role = "decode")
    {
        string text = await Get(fixture.Mesh.Child(role, 0).Url + "/metrics");
        var values = new Dictionary<string, double>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            int space = line.LastIndexOf(' ');
            string series = ModelLabel().Replace(line[..space], "").Replace("{}", "");
            values[series] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return values;
    }

    [GeneratedRegex(@",?model_name=""[^""]*""")]
    private static partial Regex ModelLabel();

    static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string series) =>
        after.GetValueOrDefault(series) - before.GetValueOrDefault(series);

    static double Sum(Dictionary<string, double> values, string prefix) =>
        values.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value);

    [Fact]
    public async Task Every_process_answers_health_ready_and_metrics()
    {
        foreach (var (role, index) in ObservedMeshFixture.Children)
        {
            string url = fixture.Mesh.Child(role, index).Url;
            Assert.Equal("ok", await Get(url + "/health"));
            Assert.True(JsonDocument.Parse(await Get(url + "/ready")).RootElement.GetProperty("ready").GetBoolean(), $"{role} {index} not ready");
            string metrics = await Get(url + "/metrics");
            // The gateway serves no model of its own: its series are labelled model_name="gateway".
            string label = role == "gateway" ? "gateway" : Model;
            Assert.Contains($"qwenmesh:ready{{model_name=\"{label}\"}} 1", metrics);
            Assert.Contains($"process_cpu_seconds_total{{model_name=\"{label}\"}}", metrics);
        }
    }

    [Fact]
    public async Task Counters_are_exactly_the_usage_the_responses_reported()
    {
        // Straight to decode as a mesh member (the gateway's signed identity), so this test's tenant counts only its own requests.
        using var client = new OpenAiClient(new Uri(fixture.Mesh.Child("decode", 0).Url));
        string t = "exact-" + Guid.NewGuid().ToString("N")[..8];
        string sessionId = "turns-" + Guid.NewGuid().ToString("N");
        Dictionary<string, string> AsTenant() => MeshProcess.SignedAs(t);
        Dictionary<string, string> InSession() => new(MeshProcess.SignedAs(t)) { ["x-session-id"] = sessionId };
        Dictionary<string, double> before = await Scrape();
        var usages = new List<JsonElement>();

        var (status, plain, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 6), AsTenant());
        Assert.Equal(200, status);
        usages.Add(plain.GetProperty("usage"));

        var (events, done) = await client.StreamAsync(OpenAiClient.Chat(Model, Hello, 7, stream: true), AsTenant());
        Assert.True(done);
        usages.Add(events.Last(e => e.TryGetProperty("usage", out JsonElement u) && u.ValueKind == JsonValueKind.Object).GetProperty("usage"));

        var (textStatus, text, _) = await client.PostAsync("/v1/completions",
            JsonSerializer.Serialize(new { model = Model, prompt = "Counting tokens", max_tokens = 5, temperature = 0 }), AsTenant());
        Assert.Equal(200, textStatus);
        usages.Add(text.GetProperty("usage"));

        var (_, first, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 4), InSession());
        usages.Add(first.GetProperty("usage"));
        string reply = first.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        object[] conversation = [Hello[0], new { role = "assistant", content = reply }, new { role = "user", content = "And again" }];
        var (_, second, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, conversation, 4), InSession());
        JsonElement resumed = second.GetProperty("usage");
        usages.Add(resumed);
        int cachedTurn = resumed.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.True(cachedTurn > 0, "the second turn should reuse the session's state");

        Dictionary<string, double> after = await Scrape();
        int prompt = usages.Sum(u => u.GetProperty("prompt_tokens").GetInt32());
        int completion = usages.Sum(u => u.GetProperty("completion_tokens").GetInt32());
        int cached = usages.Sum(u => u.TryGetProperty("prompt_tokens_details", out JsonElement d) ? d.GetProperty("cached_tokens").GetInt32() : 0);
        Assert.Equal(prompt, Delta(before, after, "qwenmesh:prompt_tokens_total"));
        Assert.Equal(completion, Delta(before, after, "qwenmesh:generation_tokens_total"));
        Assert.Equal(usages.Count, Sum(after, "qwenmesh:request_success_total") - Sum(before, "qwenmesh:request_success_total"));
        Assert.Equal(cached, Delta(before, after, "qwenmesh:prefix_cache_hits_total"));
        Assert.Equal(prompt, Delta(before, after, "qwenmesh:prefix_cache_queries_total"));
        Assert.Equal(usages.Count, after[$"qwenmesh:tenant_requests_total{{tenant=\"{t}\"}}"]);
        Assert.Equal(completion, after[$"qwenmesh:tenant_generation_tokens_total{{tenant=\"{t}\"}}"]);
        Assert.Equal(usages.Count, after[$"qwenmesh:slo_requests_total{{tenant=\"{t}\"}}"]);
        // Every request's TTFT was broken down into its parts.
        foreach (string part in new[] { "time_to_first_token", "request_queue_time", "request_prefill_time", "request_handoff_time", "e2e_request_latency" })
            Assert.Equal(usages.Count, Delta(before, after, $"qwenmesh:{part}_seconds_count"));
    }

    [Fact]
    public async Task A_trace_follows_one_request_through_decode_prefill_and_experts()
    {
        string traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        string parent = traceId[..16];
        using var client = new OpenAiClient(fixture.Mesh.BaseUrl);
        var (status, body, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 4),
            new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{parent}-01" });
        Assert.Equal(200, status);

        List<JsonElement> spans = [];
        for (int attempt = 0; attempt < 50 && !spans.Any(s => s.GetProperty("name").GetString() == "chat tiny"); attempt++)
        {
            await Task.Delay(100);
            spans = ReadSpans(traceId);
        }
        var names = spans.Select(s => (Service: s.GetProperty("service").GetString(), Name: s.GetProperty("name").GetString())).ToHashSet();
        foreach (var expected in new[]
        {
            ("qwenmesh-decode", "chat tiny"), ("qwenmesh-prefill", "prefill queue"), ("qwenmesh-prefill", "prefill batch"),
            ("qwenmesh-prefill", "handoff publish"), ("qwenmesh-decode", "handoff take-over"), ("qwenmesh-decode", "decode queue"),
            ("qwenmesh-decode", "decode first step"), ("qwenmesh-prefill", "expert call"), ("qwenmesh-expert-worker", "expert compute"),
        })
            Assert.Contains(expected, names);
        // One tree: every span's parent is in the trace, except the root, whose parent is the caller's span.
        var ids = spans.Select(s => s.GetProperty("span_id").GetString()).ToHashSet();
        Assert.All(spans, s => Assert.True(ids.Contains(s.GetProperty("parent_span_id").GetString()) || s.GetProperty("parent_span_id").GetString() == parent,
            $"{s.GetProperty("name")} has a parent outside the trace"));
        JsonElement chat = spans.Single(s => s.GetProperty("name").GetString() == "chat tiny").GetProperty("attributes");
        Assert.Equal(body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), chat.GetProperty("gen_ai.usage.input_tokens").GetInt32());
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), chat.GetProperty("gen_ai.usage.output_tokens").GetInt32());
        Assert.Equal(Model, chat.GetProperty("gen_ai.request.model").GetString());
        // Decode steps serve many requests: their expert calls belong to no request's trace.
        Assert.DoesNotContain(spans, s => s.GetProperty("service").GetString() == "qwenmesh-decode" && s.GetProperty("name").GetString() == "expert call");
    }

    [Fact]
    public async Task Spans_are_exported_over_otlp_when_an_endpoint_is_set()
    {
        string traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var client = new OpenAiClient(fixture.Mesh.BaseUrl);
        var (status, _, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 2),
            new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{traceId[..16]}-01" });
        Assert.Equal(200, status);
        // OTLP/protobuf carries the trace id as 16 raw bytes and the service name and span names as UTF-8 strings.
        byte[] id = Convert.FromHexString(traceId);
        bool Exported(string text) => fixture.OtlpExports.Any(b => b.AsSpan().IndexOf(id) >= 0 && b.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0);
        // Each process exports in its own batches, and the request's own span ends last: wait for all of them.
        string[] expected = ["qwenmesh-decode", "chat tiny", "qwenmesh-prefill", "prefill batch"];
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !expected.All(Exported); await Task.Delay(200))
            Assert.True(DateTime.UtcNow < deadline, $"OTLP exports of trace {traceId} lack {string.Join(", ", expected.Where(e => !Exported(e)))} ({fixture.OtlpExports.Count} exports received)");
    }

    List<JsonElement> ReadSpans(string traceId)
    {
        var spans = new List<JsonElement>();
        if (!Directory.Exists(fixture.Traces)) return spans;
        foreach (string file in Directory.GetFiles(fixture.Traces, "*.jsonl"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (!line.Contains(traceId, StringComparison.Ordinal) || !line.EndsWith('}')) continue;
                JsonElement span = JsonDocument.Parse(line).RootElement.Clone();
                if (span.GetProperty("trace_id").GetString() == traceId) spans.Add(span);
            }
        }
        return spans;
    }

    [Fact]
    public async Task Dashboard_rules_and_k8s_autoscaling_name_only_metrics_the_services_export()
    {
        // One request first, so that every process has created its request-time series.
        using var client = new OpenAiClient(fixture.Mesh.BaseUrl);
        await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 2));
        var exported = new HashSet<string>();
        foreach (var (role, index) in ObservedMeshFixture.Children)
        {
            foreach (Match m in TypeLine().Matches(await Get(fixture.Mesh.Child(role, index).Url + "/metrics")))
            {
                string name = m.Groups[1].Value;
                exported.Add(name);
                if (m.Groups[2].Value == "histogram") foreach (string part in new[] { "_bucket", "_sum", "_count" }) exported.Add(name + part);
            }
        }
        string deploy = RepositoryPaths.Deploy;
        string rules = File.ReadAllText(Path.Combine(deploy, "prometheus", "rules", "qwenmesh-rules.yml"));
        var recorded = RecordLine().Matches(rules).Select(m => m.Groups[1].Value).ToHashSet();
        string dashboard = File.ReadAllText(Path.Combine(deploy, "grafana", "qwenmesh-dashboard.json"));
        // The Kubernetes manifests: KEDA queries, the Endpoint Picker's metric flags (the PrometheusRule there is
        // generated from the rules file). The planner's own series are checked on a live planner (PlannerServiceTests).
        string k8s = string.Concat(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "k8s"), "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "prometheus-rule.yaml").Select(File.ReadAllText));
        var autoscaling = MetricName().Matches(k8s).Select(m => m.Value).Where(n => !n.StartsWith("qwenmesh:planner_", StringComparison.Ordinal)).ToHashSet();
        Assert.Contains("qwenmesh:prefill_queue_tokens", autoscaling);
        Assert.Contains("qwenmesh:state_memory_usage_perc", autoscaling);
        var used = MetricName().Matches(rules + dashboard).Select(m => m.Value).Where(n => !recorded.Contains(n)).Concat(autoscaling).ToHashSet();
        Assert.NotEmpty(used);
        Assert.Contains("qwenmesh:time_to_first_token_seconds_bucket", used);
        Assert.Empty(used.Where(n => !exported.Contains(n)).Order());
    }

    [GeneratedRegex(@"^# TYPE (\S+) (\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"record:\s*(\S+)")]
    private static partial Regex RecordLine();

    [GeneratedRegex(@"qwenmesh:[a-z_]+[a-z]")]
    private static partial Regex MetricName();
}
