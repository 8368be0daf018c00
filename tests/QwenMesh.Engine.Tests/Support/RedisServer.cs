using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace QwenMesh.Engine.Tests.Support;

/// <summary>
/// A real Redis for integration tests: a Testcontainers container where a Docker daemon answers, otherwise a
/// `redis-server` process on a free loopback port (CI installs it). With neither, the tests fail and say why.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    RedisContainer? _container;
    Process? _process;

    public string Endpoint { get; private set; } = "";
    public string How { get; private set; } = "";
    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (await TryContainerAsync()) return;
        StartProcess();
        Connection = await ConnectAsync(Endpoint);
    }

    async Task<bool> TryContainerAsync()
    {
        if (!File.Exists("/var/run/docker.sock") && Environment.GetEnvironmentVariable("DOCKER_HOST") is null) return false;
        try
        {
            _container = new RedisBuilder("redis:7.0").Build();
            await _container.StartAsync();
            Endpoint = _container.GetConnectionString();
            How = "testcontainers";
            Connection = await ConnectAsync(Endpoint);
            return true;
        }
        catch (DockerUnavailableException)
        {
            _container = null;
            return false;   // a socket without a daemon: fall back to a local process
        }
    }

    void StartProcess()
    {
        string? binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
            throw new InvalidOperationException("no Docker daemon and no redis-server: install it (apt-get install -y redis-server)");
        int port = FreePort();
        _process = Process.Start(new ProcessStartInfo(binary, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --protected-mode yes")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        Endpoint = $"127.0.0.1:{port}";
        How = "redis-server process";
    }

    static async Task<IConnectionMultiplexer> ConnectAsync(string endpoint)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                var options = ConfigurationOptions.Parse(endpoint);
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 2000;
                return await ConnectionMultiplexer.ConnectAsync(options);
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Every key of the server, for checks that nothing was left behind.</summary>
    public IReadOnlyList<string> Keys(string pattern = "*") =>
        Connection.GetServers()[0].Keys(pattern: pattern).Select(k => k.ToString()).ToList();

    public async Task DisposeAsync()
    {
        Connection?.Dispose();
        if (_container is not null) await _container.DisposeAsync();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
