using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using QwenMesh.Cli.Mesh;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `up`: the whole mesh on loopback as separate processes: expert workers (when asked for), prefill workers, decode
/// workers, and the gateway (one or more replicas) before them, the only public door. Without --redis, states come back
/// in prefill replies and sessions stay in the process that saved them. With --admin-key the gateway is secured (API
/// keys, tenants, quotas) and decode serves only requests whose identity the gateway signed. Every child is supervised (restarted with back-off); internal calls carry a mesh credential made per run.
/// Ctrl-C or SIGTERM stops every child.
/// </summary>
public static class UpCommand
{
    static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        int port = o.Int("port", min: 1) ?? throw new CliUsageException("missing required option --port");
        string? model = o.String("model");
        string? redis = o.String("redis");
        int prefillWorkers = o.Int("prefill-workers", min: 0) ?? 1;
        int decodeWorkers = o.Int("decode-workers", min: 1) ?? 1;
        int expertWorkers = o.Int("expert-workers", min: 0) ?? 0;
        int expertReplicas = o.Int("expert-replicas", min: 1) ?? 1;
        int gatewayReplicas = o.Int("gateway-replicas", min: 1) ?? 1;
        string? adminKey = o.String("admin-key") ?? (Environment.GetEnvironmentVariable(Gateway.GatewayOptions.AdminKeyVariable) is { Length: > 0 } k ? k : null);
        string? tenants = o.String("tenants");
        string dtype = o.String("dtype") ?? "float32";
        string? kafka = o.String("kafka");
        string outbox = Path.GetFullPath(o.String("outbox") ?? CliDefaults.UsageOutbox(port));
        CliDefaults.DType(dtype, TorchSharp.torch.ScalarType.Float32);   // refuse a bad --dtype before starting anything
        o.EnsureAllUsed();
        if (expertReplicas > Math.Max(expertWorkers, 1)) throw new CliUsageException($"--expert-replicas {expertReplicas} exceeds --expert-workers {expertWorkers}");
        if (port > 65535) throw new CliUsageException("--port must be at most 65535");
        // Replicas share tenants, keys and quota counters only through Redis: without it each would count alone.
        if (gatewayReplicas > 1 && redis is null) throw new CliUsageException("--gateway-replicas above 1 needs --redis (the replicas share quotas there)");
        if (adminKey is { Length: < 16 }) throw new CliUsageException("--admin-key must be at least 16 characters");
        if (tenants is not null && !File.Exists(tenants)) throw new CliUsageException($"--tenants file '{tenants}' does not exist");
        if (kafka is { Length: 0 }) throw new CliUsageException("--kafka needs HOST:PORT[,HOST:PORT] or 'embedded'");
        EnsurePortFree(port);
        model ??= DemoModel.Ensure(stderr);
        if (!Directory.Exists(model)) throw new IOException($"model folder '{model}' does not exist");

        var common = new List<string> { $"--QwenMesh:Model={Path.GetFullPath(model)}", $"--QwenMesh:DType={dtype}" };
        if (redis is not null) common.Add($"--QwenMesh:Redis={redis}");
        var secret = new Dictionary<string, string> { [Hosting.MeshCredential.EnvironmentVariable] = MeshSecret() };
        if (adminKey is not null) common.Add("--QwenMesh:Decode:RequireIdentity=true");
        static string Url() => $"http://127.0.0.1:{FreePorts.Next()}";
        var expertHttp = Enumerable.Range(0, expertWorkers).Select(_ => Url()).ToList();
        var expertGrpc = Enumerable.Range(0, expertWorkers).Select(_ => Url()).ToList();
        var prefillHttp = Enumerable.Range(0, prefillWorkers).Select(_ => Url()).ToList();
        var prefillGrpc = Enumerable.Range(0, prefillWorkers).Select(_ => Url()).ToList();
        var decodeHttp = Enumerable.Range(0, decodeWorkers).Select(_ => Url()).ToList();
        var gatewayHttp = Enumerable.Range(0, gatewayReplicas).Select(i => i == 0 ? $"http://127.0.0.1:{port}" : Url()).ToList();
        if (expertWorkers > 0)
        {
            common.Add($"--QwenMesh:ExpertWorkerUrls={string.Join(",", expertGrpc)}");
            common.Add($"--QwenMesh:ExpertReplicas={expertReplicas}");
        }
        static List<string> Ports(List<string> args, string http, string? grpc)
        {
            args.Add($"--QwenMesh:HttpPort={new Uri(http).Port}");
            if (grpc is not null) args.Add($"--QwenMesh:GrpcPort={new Uri(grpc).Port}");
            return args;
        }

        // Usage events: each emitter (gateway, decode) has its own outbox folder under --outbox, kept across restarts so
        // that what was not delivered yet is delivered on the next start.
        using QwenMesh.Metering.Kafka.MockKafkaCluster? embedded = kafka == EmbeddedKafka ? StartEmbeddedKafka(stdout) : null;
        string? brokers = embedded?.BootstrapServers ?? kafka;
        List<string> UsageArgs(string role, int index)
        {
            var args = new List<string> { $"--QwenMesh:Pod={role}-{index}", $"--QwenMesh:Usage:Outbox={Path.Combine(outbox, $"{role}-{index}")}" };
            if (brokers is not null) args.Add($"--QwenMesh:Usage:Kafka={brokers}");
            return args;
        }

        var supervisor = new Supervisor(stdout, stderr, StartTimeout);
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        try
        {
            // Expert workers first: prefill and decode check each worker's checkpoint and placement when they start.
            for (int i = 0; i < expertWorkers; i++)
            {
                var args = Ports([.. common, $"--QwenMesh:WorkerIndex={i}", $"--QwenMesh:Workers={expertWorkers}", $"--QwenMesh:Pod=expert-worker-{i}"], expertHttp[i], expertGrpc[i]);
                supervisor.Add(ServiceProcess.Start("expert-worker", i, expertHttp[i], expertGrpc[i], args, secret, stderr));
            }
            WaitAndAnnounce(supervisor, supervisor.Children, stop.Token);
            int announced = supervisor.Children.Count;
            for (int i = 0; i < decodeWorkers; i++)
            {
                var args = new List<string>([.. common, .. UsageArgs("decode", i)]);
                if (prefillWorkers > 0) args.Add($"--QwenMesh:PrefillUrls={string.Join(",", prefillGrpc)}");
                supervisor.Add(ServiceProcess.Start("decode", i, decodeHttp[i], null, Ports(args, decodeHttp[i], null), secret, stderr));
            }
            for (int i = 0; i < prefillWorkers; i++)
            {
                var args = new List<string>([.. common, $"--QwenMesh:Pod=prefill-{i}"]);
                supervisor.Add(ServiceProcess.Start("prefill", i, prefillHttp[i], prefillGrpc[i], Ports(args, prefillHttp[i], prefillGrpc[i]), secret, stderr));
            }
            WaitAndAnnounce(supervisor, supervisor.Children.Skip(announced), stop.Token);
            announced = supervisor.Children.Count;
            // The gateway is always there, so a decode worker that dies or restarts gets a clean error, not a refused connection.
            var gatewayEnvironment = new Dictionary<string, string>(secret);
            if (adminKey is not null) gatewayEnvironment["QwenMesh__Gateway__AdminKey"] = adminKey;   // never on a command line
            for (int i = 0; i < gatewayReplicas; i++)
            {
                var args = new List<string> { $"--QwenMesh:HttpPort={new Uri(gatewayHttp[i]).Port}", $"--QwenMesh:Gateway:Decode={string.Join(",", decodeHttp)}" };
                args.AddRange(UsageArgs("gateway", i));
                if (redis is not null) args.Add($"--QwenMesh:Redis={redis}");
                if (tenants is not null) args.Add($"--QwenMesh:Gateway:TenantsFile={Path.GetFullPath(tenants)}");
                supervisor.Add(ServiceProcess.Start("gateway", i, gatewayHttp[i], null, args, gatewayEnvironment, stderr));
            }
            WaitAndAnnounce(supervisor, supervisor.Children.Skip(announced), stop.Token);
            supervisor.Watch(stop.Token);
            stdout.WriteLine($"QwenMesh OpenAI API at http://127.0.0.1:{port}/v1 (Ctrl-C stops every service)");
            stdout.Flush();
            stop.Token.WaitHandle.WaitOne();
            return 0;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            stderr.WriteLine($"qwenmesh: {e.Message}");
            return CliApp.ExitError;
        }
        finally
        {
            stop.Cancel();
            supervisor.StopAll(StopGrace);
        }
    }

    const string EmbeddedKafka = "embedded";

    /// <summary>
    /// librdkafka's mock cluster in this process: the real Kafka protocol on a loopback port, so any client (kcat, a
    /// Java consumer, `qwenmesh usage`) reads the topic. It holds at most about 5 MiB per partition and lives as long
    /// as `up`: a demonstration and test broker, not a store; point --kafka at a real cluster to keep events.
    /// </summary>
    static QwenMesh.Metering.Kafka.MockKafkaCluster StartEmbeddedKafka(TextWriter stdout)
    {
        var cluster = QwenMesh.Metering.Kafka.MockKafkaCluster.Start(brokers: 1);
        cluster.CreateTopic(QwenMesh.Metering.UsageTopic.Default, partitions: 3);
        stdout.WriteLine($"started kafka 0 pid={Environment.ProcessId} url={cluster.BootstrapServers}");
        stdout.Flush();
        return cluster;
    }

    static void WaitAndAnnounce(Supervisor supervisor, IEnumerable<ServiceProcess> children, CancellationToken stop)
    {
        foreach (ServiceProcess child in children)
        {
            child.WaitReadyAsync(StartTimeout).WaitAsync(stop).GetAwaiter().GetResult();
            supervisor.Announce(child);
        }
    }

    /// <summary>The run's mesh credential: QWENMESH_MESH_SECRET when set (to reach internal ports from outside), else a fresh random one.</summary>
    static string MeshSecret() =>
        Environment.GetEnvironmentVariable("QWENMESH_MESH_SECRET") is { Length: > 0 } given
            ? given
            : Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    static void EnsurePortFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
        }
        catch (SocketException)
        {
            throw new IOException($"port {port} is already in use");
        }
    }
}
