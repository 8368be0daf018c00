using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QwenMesh.Mesh.Tests;

/// <summary>A `qwenmesh up` run as a real process tree on loopback, stopped (SIGTERM to the launcher) on dispose.</summary>
public sealed class MeshProcess : IDisposable
{
    readonly Process _process;
    readonly List<string> _output = [];

    /// <summary>The mesh credential every test mesh runs with, so tests can reach internal ports as a mesh member.</summary>
    public const string Secret = "mesh-tests-credential";

    public int Port { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");

    /// <summary>The launcher's own pid (what `up --kafka embedded` reports for the cluster it runs).</summary>
    public int LauncherPid => _process.Id;
    public IReadOnlyList<string> Output { get { lock (_output) return _output.ToList(); } }

    MeshProcess(Process process, int port, string outbox)
    {
        _process = process;
        Port = port;
        Outbox = outbox;
    }

    /// <summary>The folder holding the mesh's usage outboxes (one subfolder per emitter: gateway-0, decode-0, ...).</summary>
    public string Outbox { get; }

    public static MeshProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <param name="environment">Extra environment for the launcher and, through it, every child (QwenMesh__Section__Key settings).</param>
    public static MeshProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        int port = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["QWENMESH_MESH_SECRET"] = Secret;
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "qwenmesh.dll"));
        info.ArgumentList.Add("up");
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (string a in arguments) info.ArgumentList.Add(a);
        string outbox = arguments.SkipWhile(a => a != "--outbox").Skip(1).FirstOrDefault() ?? Directory.CreateTempSubdirectory("qwenmesh-outbox-").FullName;
        if (!arguments.Contains("--outbox"))
        {
            info.ArgumentList.Add("--outbox");
            info.ArgumentList.Add(outbox);
        }
        var process = Process.Start(info)!;
        var mesh = new MeshProcess(process, port, outbox);
        var ready = new TaskCompletionSource();
        void Line(string? line)
        {
            if (line is null) return;
            lock (mesh._output) mesh._output.Add(line);
            if (line.StartsWith("QwenMesh OpenAI API at", StringComparison.Ordinal)) ready.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromMinutes(3)))
        {
            mesh.Dispose();
            throw new TimeoutException("the mesh did not start:\n" + string.Join("\n", mesh.Output.TakeLast(40)));
        }
        return mesh;
    }

    /// <summary>
    /// Waits until the gateway routes to a decode pod (GET /v1/models answers 200): on a busy machine its first health
    /// probe can come after the launcher's ready line. For an open mesh (a secured one wants a key).
    /// </summary>
    public async Task WaitRoutableAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await http.GetAsync("/v1/models")).StatusCode != System.Net.HttpStatusCode.OK)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the gateway routed no request to decode within 60 s:\n" + string.Join("\n", Output.TakeLast(20)));
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Headers that make a request to decode come from <paramref name="tenant"/>, as the gateway sends it: a fresh request
    /// id and the identity signed with the tests' mesh credential.
    /// </summary>
    public static Dictionary<string, string> SignedAs(string tenant)
    {
        string requestId = Guid.NewGuid().ToString("N");
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary();
        new Hosting.MeshIdentity(new Hosting.MeshCredential(Secret)).Sign(headers, requestId, new Hosting.RequestIdentity(tenant, "", 1, null), DateTimeOffset.UtcNow);
        var result = headers.ToDictionary(h => h.Key, h => h.Value.ToString());
        result[Hosting.MeshIdentity.RequestIdHeader] = requestId;
        return result;
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The newest start line of a child: `started ROLE I pid=N url=U [grpc=G]` as its fields.</summary>
    public (int Pid, string Url, string? Grpc) Child(string role, int index)
    {
        string line = Output.Last(l => l.StartsWith($"started {role} {index} ", StringComparison.Ordinal));
        string? Field(string name) => line.Split(' ').FirstOrDefault(p => p.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];
        return (int.Parse(Field("pid")!, System.Globalization.CultureInfo.InvariantCulture), Field("url")!, Field("grpc"));
    }

    /// <summary>The pids the launcher reported (`started ROLE I pid=N url=U`).</summary>
    public IReadOnlyList<int> ChildPids => Output.Where(l => l.StartsWith("started ", StringComparison.Ordinal))
        .Select(l => int.Parse(l.Split(' ').Single(p => p.StartsWith("pid=", StringComparison.Ordinal))[4..], System.Globalization.CultureInfo.InvariantCulture))
        .ToList();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Outbox, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
