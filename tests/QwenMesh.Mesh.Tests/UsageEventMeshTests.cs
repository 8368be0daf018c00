using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using QwenMesh.Cli;
using QwenMesh.Metering;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Kafka;

namespace QwenMesh.Mesh.Tests;

/// <summary>
/// A mesh (colocated decode, one expert worker without a replica) whose usage events go to a Kafka cluster this test
/// process runs (librdkafka's mock cluster: the real protocol, brokers that can be taken down), and a reader of the topic.
/// </summary>
public sealed class UsageMeshFixture : IAsyncLifetime
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-usage-mesh", Guid.NewGuid().ToString("N"));

    public MockKafkaCluster Kafka { get; } = MockKafkaCluster.Start();
    public string Model => Path.Combine(_root, "tiny");
    public MeshProcess Mesh { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Kafka.CreateTopic(UsageTopic.Default, partitions: 3);
        TinyModel.Write(Model);
        // A relay that retries within a second of the broker's return, so the tests wait for delivery, not for back-off.
        Mesh = MeshProcess.Start(new Dictionary<string, string> { ["QwenMesh__Usage__RelayMaxBackoffSeconds"] = "1" },
            "--model", Model, "--prefill-workers", "0", "--expert-workers", "1", "--kafka", Kafka.BootstrapServers);
        await Mesh.WaitRoutableAsync();
    }

    /// <summary>Every event on the topic now, read from the beginning by a fresh consumer group.</summary>
    public List<UsageEvent> Events()
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = "mesh-test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(UsageTopic.Default);
        var events = new List<UsageEvent>();
        var ended = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            ConsumeResult<string, byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null) continue;
            if (result.IsPartitionEOF)
            {
                ended.Add(result.Partition.Value);
                if (ended.Count == 3) break;
                continue;
            }
            ended.Remove(result.Partition.Value);
            UsageEvent usage = UsageEvent.Decode(result.Message.Value);
            Assert.Equal(usage.Data.Tenant, result.Message.Key);
            events.Add(usage);
        }
        consumer.Close();
        return events;
    }

    /// <summary>Waits until the topic holds an event for each of <paramref name="ids"/>; returns all events then.</summary>
    public async Task<List<UsageEvent>> UntilDeliveredAsync(IEnumerable<string> ids, TimeSpan timeout)
    {
        var wanted = ids.ToHashSet();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            List<UsageEvent> events = Events();
            var missing = wanted.Except(events.Select(e => e.Id)).ToList();
            if (missing.Count == 0) return events;
            Assert.True(DateTime.UtcNow < deadline, $"{missing.Count} event(s) never reached Kafka, e.g. {missing[0]}\n" + string.Join("\n", Mesh.Output.TakeLast(30)));
            await Task.Delay(500);
        }
    }

    public Task DisposeAsync()
    {
        Mesh?.Dispose();
        Kafka.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>What a billing team relies on: one event per request whatever its end, with the client's numbers, none lost to an outage or a kill -9.</summary>
public sealed class UsageEventMeshTests(UsageMeshFixture fixture) : IClassFixture<UsageMeshFixture>
{
    static readonly object[] Hello = [new { role = "user", content = "Hello there, how are you?" }];

    /// <summary>What the client saw of one request: its id, status, and the usage it was told (if any).</summary>
    sealed record Seen(string Id, int Status, JsonElement? Usage, string Kind, string Body = "");

    // A response disposed before its end closes the connection (by default .NET drains up to 1 MiB for 2 s to reuse it,
    // and a fast mesh finishes a cancelled stream within that: the client's leaving must reach the engine).
    HttpClient Client() => new(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{fixture.Mesh.Port}"),
        Timeout = TimeSpan.FromMinutes(2),
    };

    static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-request-id").Single();

    async Task<Seen> PostAsync(HttpClient http, string path, string json, string kind, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (session is not null) request.Headers.Add("x-session-id", session);
        using HttpResponseMessage response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        JsonElement? usage = body.RootElement.TryGetProperty("usage", out JsonElement u) ? u.Clone() : null;
        return new Seen(RequestId(response), (int)response.StatusCode, usage, kind, text);
    }

    async Task<Seen> StreamAsync(HttpClient http, string json, string kind)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        JsonElement? usage = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line["data: ".Length..]);
            if (chunk.RootElement.TryGetProperty("usage", out JsonElement u) && u.ValueKind == JsonValueKind.Object) usage = u.Clone();
        }
        return new Seen(RequestId(response), (int)response.StatusCode, usage, kind);
    }

    /// <summary>Reads the first event of a stream, then leaves.</summary>
    async Task<Seen> CancelAsync(HttpClient http, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        string id = RequestId(response);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && !line.StartsWith("data: ", StringComparison.Ordinal)) { }
        reader.Dispose();
        return new Seen(id, (int)response.StatusCode, null, "cancelled");
    }

    int Pid(string role) => fixture.Mesh.Child(role, 0).Pid;

    /// <summary>Until a chat succeeds: after another test killed a process, the gateway may not route to decode yet.</summary>
    async Task ServingAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat("tiny", Hello, 1), "warm-up")).Status != 200)
        {
            Assert.True(DateTime.UtcNow < deadline, "the mesh does not serve\n" + string.Join("\n", fixture.Mesh.Output.TakeLast(20)));
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Every_request_whatever_its_end_has_one_event_with_the_id_and_usage_its_client_saw()
    {
        using HttpClient http = Client();
        await ServingAsync(http);
        const string model = "tiny";
        var seen = new List<Seen>
        {
            await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat(model, Hello, 6), "chat"),
            await StreamAsync(http, OpenAiClient.Chat(model, Hello, 5, stream: true), "stream"),
            await PostAsync(http, "/v1/completions", JsonSerializer.Serialize(new { model, prompt = "Once upon a time", max_tokens = 4, temperature = 0 }), "completion"),
            await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat(model, Hello, 3), "session", session: "conv-1"),
            await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat(model,
                [.. Hello, new { role = "assistant", content = "Fine." }, new { role = "user", content = "And then?" }], 3), "session", session: "conv-1"),
            // Refused by the engine after the gateway admitted it.
            await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat(model, Hello, 3, extra: new { temperature = -1 }), "rejected"),
            await CancelAsync(http, OpenAiClient.Chat(model, Hello, 200, stream: true)),
        };
        // The cancelled stream is over in the engine (the client's leaving reached it) before anything else happens.
        await fixture.UntilDeliveredAsync([seen[^1].Id], TimeSpan.FromSeconds(60));
        // A request failed by the only expert worker's death; the launcher brings it back.
        Process.GetProcessById(Pid("expert-worker")).Kill();
        seen.Add(await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat(model, Hello, 3), "failed"));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Seen retry = await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat(model, Hello, 3), "recovery");
            seen.Add(retry);
            if (retry.Status == 200) break;
            Assert.True(DateTime.UtcNow < deadline, "the mesh did not recover after the expert worker came back");
            await Task.Delay(500);
        }

        var ids = seen.Select(s => s.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        List<UsageEvent> all = await fixture.UntilDeliveredAsync(ids, TimeSpan.FromSeconds(60));
        var mine = all.Where(e => ids.Contains(e.Id)).GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(ids.Order(), mine.Keys.Order());
        foreach (Seen s in seen)
        {
            UsageEvent e = Assert.Single(mine[s.Id]);
            Assert.Equal(UsageData.Engine, e.Data.AccountedBy);
            Assert.Equal("/qwenmesh/decode/decode-0", e.Source);
            Assert.Equal("default", e.Data.Tenant);
            Assert.Equal("decode-0", e.Data.DecodePod);
            // A request refused while its body was read never named a model to the engine.
            if (s.Kind != "rejected") Assert.Equal(model, e.Data.Model);
            if (s.Usage is { } usage)
            {
                Assert.Equal(UsageStatus.Finished, e.Data.Status);
                Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), e.Data.PromptTokens);
                Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), e.Data.CompletionTokens);
                Assert.Equal(usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32(), e.Data.CachedTokens);
                Assert.NotNull(e.Data.FinishReason);
                Assert.NotNull(e.Data.TimeToFirstTokenMs);
                Assert.Equal("decode-0", e.Data.PrefillPod);
            }
            switch (s.Kind)
            {
                case "session":
                    Assert.Equal("conv-1", e.Data.SessionId);
                    break;
                case "rejected":
                    Assert.Equal(400, s.Status);
                    Assert.Equal((UsageStatus.Rejected, 0, 0), (e.Data.Status, e.Data.PromptTokens, e.Data.CompletionTokens));
                    break;
                case "cancelled":
                    Assert.True(e.Data.Status == UsageStatus.Cancelled, $"{e.Data}");
                    Assert.True(e.Data.PromptTokens > 0, "a cancelled request is charged the prompt it prefilled");
                    Assert.InRange(e.Data.CompletionTokens, 0, 199);
                    break;
                case "failed":
                    Assert.Equal(503, s.Status);
                    Assert.Equal(UsageStatus.Failed, e.Data.Status);
                    break;
            }
        }
        // The second turn of the session resumed the first one's state.
        Assert.True(mine[seen[4].Id][0].Data.CachedTokens > 0);

        // The project's consumer totals what the topic holds, each request once.
        var distinct = all.GroupBy(e => e.Id).Select(g => g.First()).ToList();
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["usage", "--kafka", fixture.Kafka.BootstrapServers, "--from-beginning", "--json", "--group", "totals-" + Guid.NewGuid().ToString("N"), "--state", Path.Combine(Path.GetTempPath(), $"qwenmesh-usage-{Guid.NewGuid():N}.ids")], stdout, new StringWriter()));
        using var totals = JsonDocument.Parse(stdout.ToString().TrimEnd().Split('\n')[^1]);
        Assert.True(totals.RootElement.GetProperty("events").GetInt64() >= distinct.Count);
        JsonElement tenant = totals.RootElement.GetProperty("tenants").GetProperty("default");
        // One account per id, the engine's where the gateway accounted for the same request too (a kill -9 of decode).
        var now = fixture.Events().GroupBy(e => e.Id).Select(g => g.OrderBy(e => e.Data.AccountedBy == UsageData.Engine ? 0 : 1).First()).ToList();
        Assert.Equal(now.Count, totals.RootElement.GetProperty("events").GetInt64());
        Assert.Equal(now.Count, tenant.GetProperty("requests").GetInt64());
        Assert.Equal(now.Sum(e => (long)e.Data.PromptTokens), tenant.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(now.Sum(e => (long)e.Data.CachedTokens), tenant.GetProperty("cached_tokens").GetInt64());
        Assert.Equal(now.Sum(e => (long)e.Data.CompletionTokens), tenant.GetProperty("completion_tokens").GetInt64());
    }

    [Fact]
    public async Task A_broker_down_for_30_seconds_while_requests_are_served_loses_no_event()
    {
        using HttpClient http = Client();
        await ServingAsync(http);
        var ids = new List<string>();
        fixture.Kafka.BrokerDown(1);
        try
        {
            var outage = Stopwatch.StartNew();
            while (outage.Elapsed < TimeSpan.FromSeconds(30))
            {
                Seen s = await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat("tiny", Hello, 3), "chat");
                Assert.True(s.Status == 200, $"{s.Status}: {s.Body}\n" + string.Join("\n", fixture.Mesh.Output.TakeLast(20)));
                ids.Add(s.Id);
                await Task.Delay(TimeSpan.FromSeconds(4));
            }
            // The events wait in decode's outbox, and its metrics say so.
            string metrics = await http.GetStringAsync(fixture.Mesh.Child("decode", 0).Url + "/metrics");
            Assert.True(Gauge(metrics, "qwenmesh:usage_outbox_events") >= ids.Count - 1, metrics);
            Assert.True(Gauge(metrics, "qwenmesh:usage_outbox_oldest_event_age_seconds") > 15);
        }
        finally
        {
            fixture.Kafka.BrokerUp(1);
        }
        await fixture.UntilDeliveredAsync(ids, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Events_of_requests_answered_just_before_a_kill_9_of_their_emitter_are_delivered_after_its_restart()
    {
        using HttpClient http = Client();
        await ServingAsync(http);
        var ids = new List<string>();
        fixture.Kafka.BrokerDown(1);
        int pid = Pid("decode");
        try
        {
            for (int i = 0; i < 4; i++)
            {
                Seen s = await PostAsync(http, "/v1/chat/completions", OpenAiClient.Chat("tiny", Hello, 3), "chat");
                Assert.True(s.Status == 200, $"{s.Status}: {s.Body}\n" + string.Join("\n", fixture.Mesh.Output.TakeLast(20)));
                ids.Add(s.Id);
            }
            Process.GetProcessById(pid).Kill();
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (Pid("decode") == pid)
            {
                Assert.True(DateTime.UtcNow < deadline, "the launcher did not restart decode");
                await Task.Delay(200);
            }
        }
        finally
        {
            fixture.Kafka.BrokerUp(1);
        }
        List<UsageEvent> events = await fixture.UntilDeliveredAsync(ids, TimeSpan.FromSeconds(60));
        // Whatever was sent twice shares its id, and the consumer counts it once, with the engine's numbers.
        var tally = new Metering.Consumer.UsageTally();
        foreach (UsageEvent e in events) tally.Add(e);
        Assert.Equal(events.Select(e => e.Id).Distinct().Count(), tally.Events);
        Assert.All(ids, id => Assert.Contains(events, e => e.Id == id && e.Data.AccountedBy == UsageData.Engine && e.Data.Status == UsageStatus.Finished));
    }

    static double Gauge(string exposition, string name) =>
        exposition.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).First();
}
