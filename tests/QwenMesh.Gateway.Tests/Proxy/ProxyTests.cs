using System.Text;
using Microsoft.AspNetCore.Builder;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Outbox;

namespace QwenMesh.Gateway.Tests.Proxy;

/// <summary>The gateway (open mode, in process) in front of stand-in decode pods: streaming, cancellation, failures, draining, affinity.</summary>
public sealed class ProxyTests : IAsyncLifetime
{
    FakeDecode _a = null!, _b = null!;
    readonly List<WebApplication> _gateways = [];
    readonly string _outboxes = Directory.CreateTempSubdirectory("qwenmesh-proxy-tests-").FullName;

    public async Task InitializeAsync()
    {
        _a = await FakeDecode.StartAsync();
        _b = await FakeDecode.StartAsync();
    }

    async Task<HttpClient> GatewayAsync(params string[] decode)
    {
        int port = FakeDecode.FreePort();
        var app = GatewayHost.Build([$"--QwenMesh:HttpPort={port}", $"--QwenMesh:Gateway:Decode={string.Join(",", decode)}", "--QwenMesh:Gateway:HealthIntervalSeconds=0.2",
            $"--QwenMesh:Usage:Outbox={Path.Combine(_outboxes, $"gateway-{port}")}", "--QwenMesh:Pod=gw-test"]);
        await app.StartAsync();
        _gateways.Add(app);
        return new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    static HttpRequestMessage Chat(bool stream, string? session = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($"{{\"model\":\"m\",\"stream\":{(stream ? "true" : "false")},\"messages\":[]}}", Encoding.UTF8, "application/json"),
        };
        if (session is not null) request.Headers.Add("x-session-id", session);
        return request;
    }

    [Fact]
    public async Task Events_pass_through_one_by_one_unbuffered()
    {
        using var client = await GatewayAsync(_a.Url);
        using var response = await client.SendAsync(Chat(stream: true), HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (int i = 0; i < 3; i++)
        {
            _a.Release.Release();
            // The next event is not released until this one arrived: a buffering proxy would hang here.
            Assert.Equal($"data: {{\"event\":{i}}}", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("", await reader.ReadLineAsync());
        }
        Assert.Equal("data: [DONE]", await reader.ReadLineAsync());
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_upstream_request_at_once()
    {
        using var client = await GatewayAsync(_a.Url);
        using var cts = new CancellationTokenSource();
        var response = await client.SendAsync(Chat(stream: true), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        _a.Release.Release();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        Assert.StartsWith("data: ", await reader.ReadLineAsync(cts.Token));
        Assert.Equal("", await reader.ReadLineAsync(cts.Token));
        // The client gives up while waiting for the next event: its connection is cut, and so must decode's be.
        var waiting = reader.ReadLineAsync(cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        response.Dispose();
        await _a.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_pod_that_dies_mid_stream_ends_the_stream_with_an_openai_error_event_and_a_failed_usage_event()
    {
        _a.DieAfterEvents = 1;
        using var client = await GatewayAsync(_a.Url);
        _a.Release.Release();
        using var response = await client.SendAsync(Chat(stream: true), HttpCompletionOption.ResponseHeadersRead);
        string text = await response.Content.ReadAsStringAsync();
        string last = text.Split('\n').Last(l => l.StartsWith("data: ", StringComparison.Ordinal));
        Assert.Contains("\"error\"", last);
        Assert.Contains("server_error", last);
        // The pod could not report: the gateway accounts for the request.
        Assert.Equal(UsageStatus.Failed, Assert.Single(await GatewayEventsAsync()).Data.Status);
    }

    [Fact]
    public async Task A_pod_that_refuses_connections_is_skipped_for_another()
    {
        using var dead = new DeadPod();
        using var client = await GatewayAsync(dead.Url, _a.Url);
        for (int i = 0; i < 10; i++)
        {
            using var response = await client.SendAsync(Chat(stream: false));
            Assert.True(200 == (int)response.StatusCode, $"request {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Equal(10, _a.Served);
    }

    [Fact]
    public async Task No_pod_at_all_is_a_503_with_an_openai_body_and_a_retry_hint()
    {
        using var dead = new DeadPod();
        using var client = await GatewayAsync(dead.Url);
        using var response = await client.SendAsync(Chat(stream: false));
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task A_draining_pod_gets_no_new_requests_and_keeps_its_running_stream()
    {
        using var client = await GatewayAsync(_a.Url, _b.Url);
        using var running = await client.SendAsync(Chat(stream: true, session: "pin"), HttpCompletionOption.ResponseHeadersRead);
        var owner = _a.SessionsSeen.Contains("pin") ? _a : _b;
        var other = owner == _a ? _b : _a;
        owner.Ready = false;
        await Task.Delay(800);   // a few probe intervals
        int before = owner.Served;
        for (int i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(Chat(stream: false, session: "pin"));
            Assert.Equal(200, (int)response.StatusCode);
        }
        Assert.Equal(before, owner.Served);
        for (int i = 0; i < 3; i++) owner.Release.Release();
        string stream = await running.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", stream);
        Assert.True(other.Served >= 6);
    }

    [Fact]
    public async Task A_session_sticks_to_one_pod_and_other_requests_go_to_the_less_loaded_pod()
    {
        using var client = await GatewayAsync(_a.Url, _b.Url);
        for (int i = 0; i < 8; i++)
        {
            using var response = await client.SendAsync(Chat(stream: false, session: "sticky"));
            Assert.Equal(200, (int)response.StatusCode);
        }
        Assert.True(_a.SessionsSeen.Count(s => s == "sticky") is 0 or 8);
        _a.ReportedLoad = 50;
        await Task.Delay(800);
        int a = _a.Served, b = _b.Served;
        for (int i = 0; i < 10; i++)
        {
            using var response = await client.SendAsync(Chat(stream: false));
            Assert.Equal(200, (int)response.StatusCode);
        }
        Assert.Equal(a, _a.Served);
        Assert.Equal(b + 10, _b.Served);
    }

    public async Task DisposeAsync()
    {
        foreach (var g in _gateways) await g.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        Directory.Delete(_outboxes, recursive: true);
    }

    /// <summary>The gateways' events once there are <paramref name="count"/> (a gateway accounts for a request after the client has its answer).</summary>
    async Task<List<UsageEvent>> GatewayEventsAsync(int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (GatewayEvents().Count < count && DateTime.UtcNow < deadline) await Task.Delay(50);
        return GatewayEvents();
    }

    /// <summary>The usage events the gateways of this test emitted (stand-in pods report no usage: the gateway accounts for every request).</summary>
    List<UsageEvent> GatewayEvents()
    {
        var tally = new List<UsageEvent>();
        foreach (string folder in Directory.EnumerateDirectories(_outboxes))
            foreach (string segment in OutboxSegment.InOrder(folder))
                tally.AddRange(OutboxSegment.Records(segment).Select(r => UsageEvent.Decode(r.Record)));
        return tally;
    }

    [Fact]
    public async Task A_request_its_pod_did_not_report_is_accounted_by_the_gateway_under_the_clients_request_id()
    {
        using var client = await GatewayAsync(_a.Url);
        using var response = await client.SendAsync(Chat(stream: false));
        Assert.Equal(200, (int)response.StatusCode);
        string id = response.Headers.GetValues("x-request-id").Single();
        UsageEvent usage = Assert.Single(await GatewayEventsAsync());
        Assert.Equal(id, usage.Id);
        Assert.Equal("/qwenmesh/gateway/gw-test", usage.Source);
        Assert.Equal((UsageData.Gateway, UsageStatus.Finished, "default", 0), (usage.Data.AccountedBy, usage.Data.Status, usage.Data.Tenant, usage.Data.CompletionTokens));
        Assert.Equal(_a.Url, usage.Data.DecodePod);
    }

    [Fact]
    public async Task A_request_no_pod_got_is_accounted_as_rejected_with_no_tokens()
    {
        using var dead = new DeadPod();
        using var client = await GatewayAsync(dead.Url);
        using var response = await client.SendAsync(Chat(stream: false));
        Assert.Equal(503, (int)response.StatusCode);
        UsageEvent usage = Assert.Single(await GatewayEventsAsync());
        Assert.Equal(response.Headers.GetValues("x-request-id").Single(), usage.Id);
        Assert.Equal((UsageStatus.Rejected, 0, 0, (string?)null), (usage.Data.Status, usage.Data.PromptTokens, usage.Data.CompletionTokens, usage.Data.DecodePod));
    }
}
