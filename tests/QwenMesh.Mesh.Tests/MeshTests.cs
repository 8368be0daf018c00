using System.Text.Json;
using QwenMesh.Cli;

namespace QwenMesh.Mesh.Tests;

/// <summary>The OpenAI API of real meshes (separate processes on loopback, real Redis) against the engine run directly.</summary>
[Collection(MeshCollection.Name)]
public sealed class MeshTests(MeshFixture mesh)
{
    const string Model = "tiny";
    static readonly object[] Hello = [new { role = "user", content = "Hello, mesh" }];

    static object[] Conversation(string reply) =>
    [
        new { role = "user", content = "Hello, mesh" },
        new { role = "assistant", content = reply },
        new { role = "user", content = "And now?" },
    ];

    static string Content(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    static int Cached(JsonElement body) => body.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();

    string GenerateDirectly(string prompt, int maxTokens)
    {
        var stdout = new StringWriter();
        int code = CliApp.Run(["generate", "--model", mesh.Model, "--prompt", prompt, "--chat", "--max-tokens", $"{maxTokens}", "--temperature", "0", "--json"], stdout, new StringWriter());
        Assert.Equal(0, code);
        return JsonDocument.Parse(stdout.ToString().Trim().Split('\n')[^1]).RootElement.GetProperty("text").GetString()!;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Greedy_chat_through_the_mesh_equals_generate_chat(bool disaggregated)
    {
        using var client = new OpenAiClient((disaggregated ? mesh.Disaggregated : mesh.Colocated).BaseUrl);
        var (status, body, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 12));
        Assert.Equal(200, status);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal(GenerateDirectly("Hello, mesh", 12), Content(body));
        Assert.Equal(12, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Streaming_chat_sends_openai_chunks_usage_and_done()
    {
        using var client = new OpenAiClient(mesh.Disaggregated.BaseUrl);
        var (events, done) = await client.StreamAsync(OpenAiClient.Chat(Model, Hello, 6, stream: true));
        Assert.True(done);
        Assert.All(events, e => Assert.Equal("chat.completion.chunk", e.GetProperty("object").GetString()));
        Assert.Equal("assistant", events[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        JsonElement usage = events[^1].GetProperty("usage");
        Assert.Equal(0, events[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(6, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", events[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        string streamed = string.Concat(events.Skip(1).SkipLast(2).Select(e => e.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal(GenerateDirectly("Hello, mesh", 6), streamed);
    }

    [Fact]
    public async Task A_session_follow_up_reuses_saved_state_and_matches_a_fresh_run()
    {
        using var client = new OpenAiClient(mesh.Disaggregated.BaseUrl);
        var session = new Dictionary<string, string> { ["x-session-id"] = "resume-" + Guid.NewGuid().ToString("N") };
        var (_, first, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 5), session);
        Assert.Equal(0, Cached(first));
        string followUp = OpenAiClient.Chat(Model, Conversation(Content(first)), 8);
        var (status, resumed, _) = await client.PostAsync("/v1/chat/completions", followUp, session);
        Assert.Equal(200, status);
        Assert.True(Cached(resumed) > 0, "the follow-up should resume from the session's saved state");
        var (_, fresh, _) = await client.PostAsync("/v1/chat/completions", followUp);
        Assert.Equal(0, Cached(fresh));
        Assert.Equal(Content(fresh), Content(resumed));
    }

    [Fact]
    public async Task Handoff_keys_are_consumed_and_session_keys_carry_a_ttl()
    {
        using var client = new OpenAiClient(mesh.Disaggregated.BaseUrl);
        string id = "ttl-" + Guid.NewGuid().ToString("N");
        await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 3), new Dictionary<string, string> { ["x-session-id"] = id });
        await Task.Delay(200);
        Assert.Empty(mesh.Redis.Keys("qwenmesh:state:handoff:*"));
        string sessionKey = Assert.Single(mesh.Redis.Keys($"qwenmesh:state:session:default:{id}"));
        TimeSpan? ttl = mesh.Redis.Connection.GetDatabase().KeyTimeToLive(sessionKey);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    [Theory]
    [InlineData("{not json", 400, null)]
    [InlineData("""{"model":"missing","messages":[{"role":"user","content":"x"}]}""", 404, "model_not_found")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"x"}],"max_tokens":10000000}""", 400, "context_length_exceeded")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"x"}],"n":17}""", 400, null)]
    [InlineData("""{"model":"tiny","messages":"hello"}""", 400, null)]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"x"}],"temperature":"hot"}""", 400, null)]
    public async Task A_bad_request_gets_an_openai_error(string json, int status, string? code)
    {
        using var client = new OpenAiClient(mesh.Disaggregated.BaseUrl);
        var (actual, body, _) = await client.PostAsync("/v1/chat/completions", json);
        Assert.Equal(status, actual);
        JsonElement error = body.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_releases_its_sequence()
    {
        using var client = new OpenAiClient(mesh.Colocated.BaseUrl);
        // The gateway passes the disconnect on; decode's own /ready says whether the sequence is gone.
        using var decode = new OpenAiClient(new Uri(mesh.Colocated.Child("decode", 0).Url));
        using var abort = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(OpenAiClient.Chat(Model, Hello, 20000, stream: true), System.Text.Encoding.UTF8, "application/json"),
        };
        using (HttpResponseMessage response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, abort.Token))
        {
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(abort.Token));
            for (int events = 0; events < 3;) if ((await reader.ReadLineAsync(abort.Token))?.StartsWith("data: ", StringComparison.Ordinal) == true) events++;
            Assert.Equal(1, (await Ready(decode)).GetProperty("running").GetInt32());
            abort.Cancel();
        }
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await Ready(decode)).GetProperty("running").GetInt32() != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the abandoned sequence was not released");
            await Task.Delay(100);
        }
    }

    static async Task<JsonElement> Ready(OpenAiClient client) =>
        JsonDocument.Parse(await client.Http.GetStringAsync("/ready")).RootElement.Clone();

    [Fact]
    public async Task Models_lists_the_served_model()
    {
        using var client = new OpenAiClient(mesh.Colocated.BaseUrl);
        JsonElement list = JsonDocument.Parse(await client.Http.GetStringAsync("/v1/models")).RootElement;
        Assert.Equal(Model, list.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Pools_of_workers_serve_sessions_through_the_gateway()
    {
        // Restarted children print a start line again: count the processes, not the lines.
        Assert.Equal(5, mesh.Pools.Output.Where(l => l.StartsWith("started ", StringComparison.Ordinal)).Select(l => string.Join(' ', l.Split(' ').Take(3))).Distinct().Count());
        using var client = new OpenAiClient(mesh.Pools.BaseUrl);
        var session = new Dictionary<string, string> { ["x-session-id"] = "pool-" + Guid.NewGuid().ToString("N") };
        var (_, first, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Hello, 4), session);
        Assert.Equal(GenerateDirectly("Hello, mesh", 4), Content(first));
        var (status, second, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat(Model, Conversation(Content(first)), 4), session);
        Assert.Equal(200, status);
        Assert.True(Cached(second) > 0);
        var (events, done) = await client.StreamAsync(OpenAiClient.Chat(Model, Hello, 3, stream: true));
        Assert.True(done);
        Assert.Equal(3, events[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public void The_launcher_printed_one_line_per_process()
    {
        Assert.Equal(3, mesh.Disaggregated.ChildPids.Count);
        Assert.Contains(mesh.Disaggregated.Output, l => l.StartsWith("started gateway 0 pid=", StringComparison.Ordinal));
        Assert.Contains(mesh.Disaggregated.Output, l => l.StartsWith("started prefill 0 pid=", StringComparison.Ordinal));
        Assert.Contains(mesh.Disaggregated.Output, l => l.StartsWith("started decode 0 pid=", StringComparison.Ordinal));
    }
}
