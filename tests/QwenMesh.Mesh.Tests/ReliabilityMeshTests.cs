using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using QwenMesh.Contracts.V1;

namespace QwenMesh.Mesh.Tests;

/// <summary>What a hostile or unlucky user meets: internal ports that refuse strangers, OpenAI errors for every bad request, and a mesh that outlives kill -9.</summary>
[Collection(MeshCollection.Name)]
public sealed class ReliabilityMeshTests(MeshFixture mesh)
{
    const string Model = "tiny";
    static readonly object[] Hello = [new { role = "user", content = "Hello, mesh" }];

    static CallInvoker Invoker(string url, string? credential)
    {
        var channel = GrpcChannel.ForAddress(url);
        return credential is null ? channel.CreateCallInvoker()
            : Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(channel.CreateCallInvoker(), m => { m.Add(Hosting.MeshCredential.Header, credential); return m; });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("a-guess")]
    public async Task Internal_grpc_calls_without_the_mesh_credential_are_refused(string? credential)
    {
        var prefill = new Contracts.V1.Prefill.PrefillClient(Invoker(mesh.Disaggregated.Child("prefill", 0).Grpc!, credential));
        var request = new PrefillRequest { Sequences = { new PrefillSequence { RequestId = "x", Tenant = "default", Tokens = { 1, 2, 3 } } } };
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = prefill.Prefill(request);
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task Without_redis_decode_serves_no_internal_port_and_states_come_back_in_the_prefill_reply()
    {
        // Prefill answers decode and never calls into it: decode has no gRPC port to reach, nor to attack.
        Assert.All(new[] { 0, 1 }, i => Assert.Null(mesh.Pools.Child("decode", i).Grpc));
        Assert.Null(mesh.Colocated.Child("decode", 0).Grpc);
        using var client = new OpenAiClient(mesh.Pools.BaseUrl);
        var (status, _, response) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 3));
        Assert.Equal(200, status);
        Assert.True(long.Parse(response.Headers.GetValues("x-qwenmesh-state-bytes").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Theory]
    [InlineData("GET", "/v1/nowhere", null, null, 404)]
    [InlineData("GET", "/v1/chat/completions", null, null, 405)]
    [InlineData("POST", "/v1/chat/completions", "text/plain", "hello", 415)]
    public async Task Errors_outside_the_handlers_have_openai_bodies(string method, string path, string? type, string? body, int status)
    {
        using var client = new OpenAiClient(mesh.Colocated.BaseUrl);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, type!);
        using HttpResponseMessage response = await client.Http.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        JsonElement error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_malformed_chunked_body_is_a_400_with_an_openai_body()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", mesh.Colocated.Port);
        NetworkStream stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"));
        using var reader = new StreamReader(stream);
        string? statusLine = await reader.ReadLineAsync();
        Assert.StartsWith("HTTP/1.1 400", statusLine);
        string rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("\"error\"", rest);
    }

    [Fact]
    public async Task A_request_without_max_tokens_reserves_only_the_default_cap()
    {
        using var client = new OpenAiClient(mesh.Colocated.BaseUrl);
        string json = JsonSerializer.Serialize(new { model = Model, messages = Hello, stream = true });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (int events = 0; events < 3;) if ((await reader.ReadLineAsync())?.StartsWith("data: ", StringComparison.Ordinal) == true) events++;
        JsonElement ready = JsonDocument.Parse(await client.Http.GetStringAsync(mesh.Colocated.Child("decode", 0).Url + "/ready")).RootElement;
        // tiny: 256 bytes of K/V per token. The rest of the 32K context would reserve 8 MiB; the 4,096-token cap 1 MiB.
        long reserved = ready.GetProperty("reserved_bytes").GetInt64();
        Assert.InRange(reserved, 4096L * 256, 3L << 20);
    }

    static void Kill(int pid) => Process.GetProcessById(pid).Kill();

    internal static async Task WaitForRestart(MeshProcess m, string role, int index, int oldPid)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (m.Child(role, index).Pid == oldPid)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{role} {index} was not restarted:\n" + string.Join("\n", m.Output.TakeLast(20)));
            await Task.Delay(200);
        }
        Assert.Contains(m.Output, l => l.StartsWith($"qwenmesh: {role} {index} exited", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_decode_worker_told_to_stop_finishes_its_running_streams_first()
    {
        var (pid, url, _) = mesh.Pools.Child("decode", 0);
        using var client = new OpenAiClient(new Uri(url));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            // Long enough to be running at the signal, short enough to end well inside the 30 s drain on a busy machine.
            Content = new StringContent(OpenAiClient.Chat(Model, Hello, 120, stream: true), Encoding.UTF8, "application/json"),
        };
        using HttpResponseMessage response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        async Task<string?> NextEvent()
        {
            while (await reader.ReadLineAsync() is { } line) if (line.StartsWith("data: ", StringComparison.Ordinal)) return line;
            return null;
        }
        // Three events in, SIGTERM: the stream goes on to its end while the process drains.
        for (int i = 0; i < 3; i++) Assert.NotNull(await NextEvent());
        Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        var after = new List<string>();
        while (await NextEvent().WaitAsync(TimeSpan.FromMinutes(1)) is { } line) after.Add(line);
        Assert.Equal("data: [DONE]", after.LastOrDefault());
        Assert.True(after.Count > 5, "the stream ended right after the signal");
        Assert.DoesNotContain(after, e => e.Contains("\"error\"", StringComparison.Ordinal));
        await WaitForRestart(mesh.Pools, "decode", 0, pid);
    }

    [Fact]
    public async Task Killing_a_prefill_worker_migrates_its_requests_and_the_launcher_restarts_it()
    {
        using var client = new OpenAiClient(mesh.Pools.BaseUrl);
        int pid = mesh.Pools.Child("prefill", 0).Pid;
        Kill(pid);
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 4))));
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        await WaitForRestart(mesh.Pools, "prefill", 0, pid);
        var (status, _, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 4));
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Killing_a_decode_worker_ends_its_streams_cleanly_and_new_requests_go_to_the_survivor()
    {
        using var client = new OpenAiClient(mesh.Pools.BaseUrl);
        int pid = mesh.Pools.Child("decode", 1).Pid;
        // Four long streams, round-robin over both decode workers; once they run, decode 1 dies.
        var streams = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(OpenAiClient.Chat(Model, Hello, 600, stream: true), Encoding.UTF8, "application/json"),
            };
            using HttpResponseMessage response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            // A stream whose pod died before its first event gets the gateway's OpenAI error answer (502) instead.
            if (!response.IsSuccessStatusCode) return $"{(int)response.StatusCode} " + await response.Content.ReadAsStringAsync();
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            string? last = null;
            while (await reader.ReadLineAsync() is { } line) if (line.StartsWith("data: ", StringComparison.Ordinal)) last = line;
            return last;
        })).ToList();
        await Task.Delay(1500);
        Kill(pid);
        string?[] ends = await Task.WhenAll(streams).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.All(ends, e => Assert.True(e == "data: [DONE]" || e?.Contains("\"error\"") == true, $"a stream ended with '{e}'"));
        Assert.Contains(ends, e => e?.Contains("\"error\"") == true);
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 4))));
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        await WaitForRestart(mesh.Pools, "decode", 1, pid);
    }
}
