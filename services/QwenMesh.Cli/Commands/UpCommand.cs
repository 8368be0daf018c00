using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using QwenMesh.Cli.Mesh;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `up`: the whole mesh on loopback as separate processes: expert workers (when asked for), prefill workers, decode
/// workers (the first one also serves the embedded state store unless --redis is given), and with several decode
/// workers a front proxy.
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
        string dtype = o.String("dtype") ?? "float32";
        CliDefaults.DType(dtype, TorchSharp.torch.ScalarType.Float32);   // refuse a bad --dtype before starting anything
        o.EnsureAllUsed();
        if (expertReplicas > Math.Max(expertWorkers, 1)) throw new CliUsageException($"--expert-replicas {expertReplicas} exceeds --expert-workers {expertWorkers}");
        if (port > 65535) throw new CliUsageException("--port must be at most 65535");
        EnsurePortFree(port);
        model ??= DemoModel.Ensure(stderr);
        if (!Directory.Exists(model)) throw new IOException($"model folder '{model}' does not exist");

        var common = new List<string> { $"--QwenMesh:Model={Path.GetFullPath(model)}", $"--QwenMesh:DType={dtype}" };
        if (redis is not null) common.Add($"--QwenMesh:Redis={redis}");
        var prefillUrls = Enumerable.Range(0, prefillWorkers).Select(_ => $"http://127.0.0.1:{FreePorts.Next()}").ToList();
        int storePort = redis is null ? FreePorts.Next() : 0;
        string storeUrl = $"http://127.0.0.1:{storePort}";
        var decodePorts = decodeWorkers == 1 ? [port] : Enumerable.Range(0, decodeWorkers).Select(_ => FreePorts.Next()).ToList();

        var expertUrls = Enumerable.Range(0, expertWorkers).Select(_ => $"http://127.0.0.1:{FreePorts.Next()}").ToList();
        if (expertWorkers > 0)
        {
            common.Add($"--QwenMesh:ExpertWorkerUrls={string.Join(",", expertUrls)}");
            common.Add($"--QwenMesh:ExpertReplicas={expertReplicas}");
        }
        var children = new List<ServiceProcess>();
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        MeshProxy? proxy = null;
        try
        {
            // Expert workers first: prefill and decode check each worker's checkpoint and placement when they start.
            for (int i = 0; i < expertWorkers; i++)
            {
                var args = new List<string>(common) { $"--urls={expertUrls[i]}", $"--QwenMesh:WorkerIndex={i}", $"--QwenMesh:Workers={expertWorkers}" };
                children.Add(ServiceProcess.Start("expert-worker", i, expertUrls[i], args, stderr));
            }
            foreach (ServiceProcess child in children)
            {
                child.WaitReadyAsync(StartTimeout).WaitAsync(stop.Token).GetAwaiter().GetResult();
                stdout.WriteLine($"started {child.Role} {child.Index} pid={child.Pid} url={child.Url}");
            }
            int announced = children.Count;
            for (int i = 0; i < decodeWorkers; i++)
            {
                var args = new List<string>(common) { $"--QwenMesh:HttpPort={decodePorts[i]}" };
                if (prefillWorkers > 0) args.Add($"--QwenMesh:PrefillUrls={string.Join(",", prefillUrls)}");
                if (redis is null && i == 0) args.Add($"--QwenMesh:GrpcPort={storePort}");
                else if (redis is null) args.Add($"--QwenMesh:StateStoreUrl={storeUrl}");
                children.Add(ServiceProcess.Start("decode", i, $"http://127.0.0.1:{decodePorts[i]}", args, stderr));
            }
            for (int i = 0; i < prefillWorkers; i++)
            {
                var args = new List<string>(common) { $"--urls={prefillUrls[i]}" };
                if (redis is null) args.Add($"--QwenMesh:StateStoreUrl={storeUrl}");
                children.Add(ServiceProcess.Start("prefill", i, prefillUrls[i], args, stderr));
            }
            foreach (ServiceProcess child in children.Skip(announced))
            {
                child.WaitReadyAsync(StartTimeout).WaitAsync(stop.Token).GetAwaiter().GetResult();
                stdout.WriteLine($"started {child.Role} {child.Index} pid={child.Pid} url={child.Url}");
            }
            if (decodeWorkers > 1)
            {
                proxy = new MeshProxy(decodePorts.Select(p => $"http://127.0.0.1:{p}").ToList());
                proxy.StartAsync(port).GetAwaiter().GetResult();
            }
            stdout.WriteLine($"QwenMesh OpenAI API at http://127.0.0.1:{port}/v1 (Ctrl-C stops every service)");
            stdout.Flush();
            while (!stop.IsCancellationRequested)
            {
                if (children.FirstOrDefault(c => c.HasExited) is { } dead)
                {
                    if (dead.Role != "expert-worker")
                    {
                        stderr.WriteLine($"qwenmesh: {dead.Role} {dead.Index} exited; stopping the mesh");
                        return CliApp.ExitError;
                    }
                    // Callers fail over to replicas meanwhile; a restarted worker is used again after its cool-down.
                    stderr.WriteLine($"qwenmesh: expert-worker {dead.Index} exited; restarting it");
                    children[children.IndexOf(dead)] = ServiceProcess.Start(dead.Role, dead.Index, dead.Url, dead.Arguments, stderr);
                    dead.Dispose();
                }
                stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(500));
            }
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
            proxy?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            foreach (ServiceProcess child in children) child.Stop(StopGrace);
            foreach (ServiceProcess child in children) child.Dispose();
        }
    }

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
