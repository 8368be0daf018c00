using System.Diagnostics;

namespace QwenMesh.Cli.Mesh;

/// <summary>
/// One service of the local mesh, run as a child process of this same executable (`qwenmesh serve ROLE ...`).
/// Its output is relayed with a role prefix; it counts as started once it prints its ready line.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    readonly Process _process;
    readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly IReadOnlyDictionary<string, string> _environment;

    public string Role { get; }
    public int Index { get; }
    /// <summary>The HTTP/1.1 base (/health, decode's API).</summary>
    public string Url { get; }
    /// <summary>The gRPC endpoint, when the process serves one.</summary>
    public string? GrpcUrl { get; }
    public IReadOnlyList<string> Arguments { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public Task Exited => _exited.Task;
    public int ExitCode => _process.HasExited ? _process.ExitCode : 0;

    ServiceProcess(Process process, string role, int index, string url, string? grpcUrl, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        _process = process;
        Role = role;
        Index = index;
        Url = url;
        GrpcUrl = grpcUrl;
        Arguments = arguments;
        _environment = environment;
    }

    /// <summary>A new process with the same role, index, ports, arguments and environment.</summary>
    public ServiceProcess Restart(TextWriter log) => Start(Role, Index, Url, GrpcUrl, Arguments, _environment, log);

    /// <param name="environment">Settings handed over in the environment rather than on the command line, which any local user can read.</param>
    public static ServiceProcess Start(string role, int index, string url, string? grpcUrl, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, TextWriter log)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Under `dotnet qwenmesh.dll` the process path is the dotnet host: pass the entry assembly first.
        if (Path.GetFileNameWithoutExtension(info.FileName) == "dotnet") info.ArgumentList.Add(typeof(ServiceProcess).Assembly.Location);
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(role);
        var list = arguments.ToList();
        foreach (string a in list) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new IOException($"could not start {role} {index}");
        var service = new ServiceProcess(process, role, index, url, grpcUrl, list, environment);
        process.OutputDataReceived += (_, e) => service.Relay(e.Data, log);
        process.ErrorDataReceived += (_, e) => service.Relay(e.Data, log);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            service._ready.TrySetException(new IOException($"{role} {index} exited with code {process.ExitCode} before it was ready"));
            service._exited.TrySetResult();
        };
        if (process.HasExited) service._exited.TrySetResult();
        return service;
    }

    void Relay(string? line, TextWriter log)
    {
        if (line is null) return;
        if (line.StartsWith(ServiceDefaults.Startup.ReadySignal.Prefix, StringComparison.Ordinal)) _ready.TrySetResult(line);
        else lock (log) log.WriteLine($"[{Role} {Index}] {line}");
    }

    /// <summary>Waits for the ready line; a child that exits first or takes longer than <paramref name="timeout"/> fails.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        Task done = await Task.WhenAny(_ready.Task, Task.Delay(timeout));
        if (done != _ready.Task) throw new TimeoutException($"{Role} {Index} was not ready after {timeout.TotalSeconds:F0} s");
        await _ready.Task;
    }

    /// <summary>Asks the child to stop (SIGTERM), then kills it if it has not exited within the grace period.</summary>
    public void Stop(TimeSpan grace)
    {
        if (_process.HasExited) return;
        try
        {
            Posix.Terminate(_process.Id);
            if (!_process.WaitForExit(grace)) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose() => _process.Dispose();
}
