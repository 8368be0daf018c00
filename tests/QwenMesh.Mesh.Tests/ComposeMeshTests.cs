using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using QwenMesh.Cli;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Mesh.Tests.Deploy;
using QwenMesh.Metering.Kafka;

namespace QwenMesh.Mesh.Tests;

/// <summary>
/// deploy/compose.yaml without a Docker daemon: every QwenMesh service of the file runs as the process its container
/// would run (the Dockerfile's ENTRYPOINT with the service's command, the image's ENV under the service's environment),
/// started in the file's dependency order, each waiting on the healthchecks the file names (the same `qwenmesh probe`
/// commands). The one change is the network: containers each own ports 8080/9090 and resolve service names, processes
/// on one host do not, so every "service:port" in the settings becomes that process's loopback port, Redis and Kafka
/// are a local redis-server and librdkafka's mock cluster, and the container paths become folders.
/// </summary>
public sealed class ComposeMeshTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    static readonly string Deploy = RepositoryPaths.Deploy;
    static readonly string[] Infrastructure = ["redis", "kafka", "prometheus", "grafana", "planner"];
    const string ModelPath = "/models/model", OutboxPath = "/var/lib/qwenmesh/outbox";

    readonly string _root = Directory.CreateTempSubdirectory("qwenmesh-compose-").FullName;
    readonly List<Process> _processes = [];
    readonly Dictionary<string, (int Http, int Grpc)> _ports = [];
    readonly StringBuilder _log = new();
    MockKafkaCluster _kafka = null!;
    ContainerImage _image = null!;
    ComposeFile _compose = null!;

    public Task InitializeAsync()
    {
        string model = Path.Combine(_root, "tiny");
        TinyModel.Write(model);
        _kafka = MockKafkaCluster.Start(brokers: 1);
        _kafka.CreateTopic(Metering.UsageTopic.Default, partitions: 3);
        _image = ContainerImage.Read(Path.Combine(Deploy, "Dockerfile"));
        _compose = ComposeFile.Read(Path.Combine(Deploy, "compose.yaml"), new Dictionary<string, string>
        {
            ["QWENMESH_MODEL"] = model,
            ["QWENMESH_MESH_SECRET"] = MeshProcess.Secret,
        });
        foreach (string name in _compose.ServiceNames) _ports[name] = (MeshProcess.FreePort(), MeshProcess.FreePort());
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_compose_services_serve_a_chat_and_bill_it_through_kafka()
    {
        Assert.Equal(["/app/qwenmesh"], _image.Entrypoint);
        var started = new HashSet<string>();
        foreach (string name in StartOrder())
        {
            var service = _compose[name];
            Assert.StartsWith("ghcr.io/qwenmesh/qwenmesh:", service.Image);
            foreach (string dependency in service.WaitsHealthy.Except(Infrastructure)) await WaitHealthyAsync(dependency);
            Start(service);
            started.Add(name);
        }
        Assert.Superset(new HashSet<string> { "gateway", "decode", "prefill", "expert-worker-0", "expert-worker-1" }, started);
        await WaitHealthyAsync("gateway");

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_ports["gateway"].Http}"), Timeout = TimeSpan.FromMinutes(2) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        HttpResponseMessage response;
        while (true)
        {
            response = await http.PostAsync("/v1/chat/completions",
                new StringContent(OpenAiClient.Chat("tiny", [new { role = "user", content = "Hello" }], 3), Encoding.UTF8, "application/json"));
            if (response.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > deadline) break;
            await Task.Delay(500);   // decode may still be loading behind a started gateway
        }
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}\n{Log()}");
        using var reply = JsonDocument.Parse(body);
        long prompt = reply.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
        Assert.True(reply.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt64() > 0);
        // Served through the disaggregated path: decode asked the prefill service (at its dns:/// address) for the state.
        string prefillMetrics = await http.GetStringAsync($"http://127.0.0.1:{_ports["prefill"].Http}/metrics");
        Assert.Matches(@"qwenmesh:prefill_time_seconds_count\{[^}]*\} [1-9]", prefillMetrics);

        // The usage event reached Kafka at the address compose gives the emitters. A request refused while decode was
        // still loading may be billed too, with no tokens: the served one's prompt tokens are the tenant's total.
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var stdout = new StringWriter();
            Assert.Equal(0, CliApp.Run(["usage", "--kafka", _kafka.BootstrapServers, "--from-beginning", "--json", "--group", "t-" + Guid.NewGuid().ToString("N"),
                "--state", Path.Combine(_root, $"usage-{Guid.NewGuid():N}.ids")], stdout, new StringWriter()));
            string last = stdout.ToString().TrimEnd().Split('\n')[^1];
            using var totals = JsonDocument.Parse(last);
            long billed = totals.RootElement.GetProperty("tenants").TryGetProperty("default", out var tenant) ? tenant.GetProperty("prompt_tokens").GetInt64() : 0;
            if (billed == prompt) return;
            Assert.True(billed < prompt, $"billed {billed} prompt tokens for one request of {prompt}: {last}");
            Assert.True(DateTime.UtcNow < deadline, $"the served request's usage event did not reach Kafka ({last})\n" + Log());
            await Task.Delay(500);
        }
    }

    /// <summary>The QwenMesh services, each after the services it depends on (the infrastructure is the test's).</summary>
    List<string> StartOrder()
    {
        var order = new List<string>();
        void Visit(string name)
        {
            if (order.Contains(name) || Infrastructure.Contains(name)) return;
            foreach (string d in _compose[name].DependsOn) Visit(d);
            order.Add(name);
        }
        foreach (string name in _compose.ServiceNames) Visit(name);
        return order;
    }

    void Start(ComposeFile.Service service)
    {
        var environment = new Dictionary<string, string>(_image.Environment);
        foreach (var (key, value) in service.Environment) environment[key] = value;
        environment["QwenMesh__HttpPort"] = _ports[service.Name].Http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (environment.ContainsKey("QwenMesh__GrpcPort")) environment["QwenMesh__GrpcPort"] = _ports[service.Name].Grpc.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string key in environment.Keys.ToList()) environment[key] = Local(environment[key], service.Name);
        _processes.Add(Run(service.Name, [.. _image.Entrypoint, .. service.Command], environment, wait: false).Process);
    }

    async Task WaitHealthyAsync(string name)
    {
        var service = _compose[name];
        var probe = (service.Healthcheck ?? [.. _image.Healthcheck]).Select(a => a.Replace("127.0.0.1:8080", $"127.0.0.1:{_ports[name].Http}")).ToList();
        var environment = new Dictionary<string, string>(_image.Environment) { ["QwenMesh__HttpPort"] = _ports[name].Http.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (Run($"{name} healthcheck", probe, environment, wait: true).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{name} was not healthy within 3 minutes\n{Log()}");
            await Task.Delay(500);
        }
    }

    /// <summary>A container's setting on this host: service names and ports to loopback ports, container paths to folders.</summary>
    string Local(string value, string service)
    {
        value = value.Replace("redis:6379", redis.Endpoint).Replace("kafka:9092", _kafka.BootstrapServers)
            .Replace(ModelPath, Path.Combine(_root, "tiny")).Replace(OutboxPath, Path.Combine(_root, "outbox", service));
        foreach (var (name, (httpPort, grpcPort)) in _ports)
            value = value.Replace($"{name}:8080", $"localhost:{httpPort}").Replace($"{name}:9090", $"localhost:{grpcPort}");
        return value;
    }

    (Process Process, int ExitCode) Run(string name, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, bool wait)
    {
        Assert.Equal("/app/qwenmesh", command[0]);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "qwenmesh.dll"));
        foreach (string a in command.Skip(1)) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } l && !wait) lock (_log) _log.AppendLine($"[{name}] {l}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (_log) _log.AppendLine($"[{name}] {l}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!wait) return (process, 0);
        if (!process.WaitForExit(TimeSpan.FromSeconds(30))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (process, process.ExitCode);
    }

    string Log() { lock (_log) return string.Join('\n', _log.ToString().Split('\n').TakeLast(60)); }

    public Task DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(10_000); }
            catch (InvalidOperationException) { }
        }
        _kafka?.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
