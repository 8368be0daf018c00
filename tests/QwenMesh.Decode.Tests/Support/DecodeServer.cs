using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using QwenMesh.Hosting;
using QwenMesh.Model.Presets;

namespace QwenMesh.Decode.Tests.Support;

/// <summary>
/// A real decode service in this process (colocated prefill, in-memory state store) over a tiny random checkpoint with
/// the byte-level tokenizer, on a loopback port, with a mesh secret: requests are signed as the gateway signs them.
/// </summary>
public sealed class DecodeServer : IAsyncLifetime
{
    public const string Secret = "decode-tests-secret";

    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-decode-tests", Guid.NewGuid().ToString("N"));
    WebApplication? _app;

    public MeshIdentity Identity { get; } = new(new MeshCredential(Secret));
    public HttpClient Client { get; private set; } = null!;
    public string Model => "tiny";

    /// <summary>Where the service's usage events are kept before a relay (none here) would send them.</summary>
    public string Outbox => Path.Combine(_root, "outbox");

    public async Task InitializeAsync()
    {
        string folder = Path.Combine(_root, Model);
        RandomCheckpoint.Write(folder, new RandomCheckpoint.Options(ModelPreset.Tiny with { VocabSize = 512 }, Seed: 7));
        int port = FreePort();
        _app = DecodeHost.Build([$"--QwenMesh:Model={folder}", $"--QwenMesh:HttpPort={port}", $"--QwenMesh:MeshSecret={Secret}", $"--QwenMesh:Usage:Outbox={Outbox}"]);
        await _app.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(1) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while ((await Client.GetAsync("/ready")).StatusCode != HttpStatusCode.OK)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the decode service did not become ready");
            await Task.Delay(50);
        }
    }

    /// <summary>A request carrying <paramref name="requestId"/> and, when given, the identity the gateway would sign for it.</summary>
    public HttpRequestMessage Post(string path, string json, string requestId, RequestIdentity? identity)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add(MeshIdentity.RequestIdHeader, requestId);
        if (identity is not null)
        {
            var signed = new Microsoft.AspNetCore.Http.HeaderDictionary();
            Identity.Sign(signed, requestId, identity, DateTimeOffset.UtcNow);
            foreach (var (name, value) in signed) request.Headers.Add(name, value.ToString());
        }
        return request;
    }

    /// <summary>The ledger's answer for <paramref name="requestId"/>: status code and body.</summary>
    public async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> UsageAsync(string requestId, int waitMs = 5000, string? credential = Secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/internal/v1/requests/{requestId}/usage?wait_ms={waitMs}");
        if (credential is not null) request.Headers.Add(MeshCredential.Header, credential);
        using HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, System.Text.Json.JsonDocument.Parse(text).RootElement.Clone());
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DecodeServerCollection : ICollectionFixture<DecodeServer>
{
    public const string Name = "decode server";
}
