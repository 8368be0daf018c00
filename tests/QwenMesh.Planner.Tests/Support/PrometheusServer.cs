using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QwenMesh.Planner.Tests.Support;

/// <summary>
/// A real Prometheus (the Debian package's binary, which CI installs) scraping a <see cref="MeshExporter"/> every
/// second with the exporter's labels kept, as a ServiceMonitor's relabelling keeps a pod's namespace. Without the
/// binary the tests fail and say how to get it.
/// </summary>
public sealed class PrometheusServer : IAsyncLifetime
{
    /// <summary>Seconds of samples the server holds before the tests start: the window their rates may span.</summary>
    public const int ScrapedSeconds = 10;

    Process? _process;
    string _dir = "";

    public MeshExporter Exporter { get; private set; } = null!;
    public Uri Url { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string binary = Environment.GetEnvironmentVariable("PROMETHEUS") is { Length: > 0 } p ? p : "/usr/bin/prometheus";
        if (!File.Exists(binary))
            throw new InvalidOperationException($"no Prometheus at {binary}: install it (apt-get install -y prometheus) or set PROMETHEUS=/path/to/prometheus");
        Exporter = await MeshExporter.StartAsync();
        _dir = Directory.CreateTempSubdirectory("qwenmesh-prometheus-").FullName;
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: mesh
                honor_labels: true
                static_configs:
                  - targets: ["{Exporter.Target}"]
            """);
        int port = FreePort();
        _process = Process.Start(new ProcessStartInfo(binary,
            [$"--config.file={Path.Combine(_dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_dir, "data")}",
             $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("prometheus did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Url = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}");
            try
            {
                // Ready, with more than the rate window scraped: a rate over a window that samples do not span reads low.
                string query = $"min(count_over_time(qwenmesh:num_requests_running[1m])) > {ScrapedSeconds + 2}";
                string body = await http.GetStringAsync(new Uri(Url, "api/v1/query?query=" + Uri.EscapeDataString(query)));
                if (body.Contains("\"value\":[")) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("prometheus did not scrape the exporter within 30 s");
            await Task.Delay(250);
        }
    }

    /// <summary>A loopback port nobody listens on (the OS picks it).</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false }) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        _process?.Dispose();
        await Exporter.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
