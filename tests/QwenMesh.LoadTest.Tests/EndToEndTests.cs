using System.Text.Json;
using QwenMesh.LoadTest.Tests.Fakes;
using Xunit.Abstractions;

namespace QwenMesh.LoadTest.Tests;

/// <summary>
/// Runs the whole program against an in-process HttpListener server with scripted delays. Timing bounds are
/// generous upward (a busy 2-core CI machine) but strict downward: a delay the server waited cannot be skipped.
/// </summary>
[Collection(FakeServerCollection.Name)]
public sealed class EndToEndTests(ITestOutputHelper output)
{
    static readonly TimeSpan FirstToken = TimeSpan.FromMilliseconds(150);
    static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(60);

    static FakeResponse Scripted(string newline = "\n") =>
        new FakeResponse.Stream(ChatScript.Answer(FirstToken, Gap, promptTokens: 12, completionTokens: 7, cachedTokens: 4, newline: newline));

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task Measures_ttft_and_itl_from_the_stream_and_tokens_from_usage(string newline)
    {
        await using var server = FakeChatServer.Start(_ => Scripted(newline));
        AppRun run = await AppRun.OfAsync(
            "--url", server.BaseUrl.ToString(), "--concurrency", "1,2", "--requests", "4", "--max-tokens", "16",
            "--api-key", "sk-fake", "--ttft-target-ms", "5000", "--itl-target-ms", "5000", "--timeout-s", "30", "--json");
        output.WriteLine(run.Stderr);
        output.WriteLine(run.Stdout);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("fake-qwen", run.Json.GetProperty("model").GetString());
        Assert.Equal(2, run.Json.GetProperty("phases").GetArrayLength());
        for (int i = 0; i < 2; i++)
        {
            JsonElement phase = run.Phase(i);
            Assert.Equal(i == 0 ? 1 : 2, phase.GetProperty("concurrency").GetInt32());
            Assert.Equal(4, phase.GetProperty("succeeded").GetInt32());
            Assert.Empty(phase.GetProperty("errors").EnumerateObject());
            Assert.InRange(phase.GetProperty("ttft_p50_ms").GetDouble(), 140, 2000);
            Assert.InRange(phase.GetProperty("ttft_p99_ms").GetDouble(), 140, 5000);
            Assert.InRange(phase.GetProperty("itl_p50_ms").GetDouble(), 50, 1000);
            Assert.InRange(phase.GetProperty("itl_p99_ms").GetDouble(), 50, 5000);
            // First token, then four more deltas each a gap later.
            Assert.InRange(phase.GetProperty("e2e_p50_ms").GetDouble(), 380, 10000);
            Assert.Equal(28, phase.GetProperty("completion_tokens").GetInt64());
            Assert.Equal(48, phase.GetProperty("prompt_tokens").GetInt64());
            Assert.Equal(16, phase.GetProperty("cached_tokens").GetInt64());
            Assert.Equal(0, phase.GetProperty("requests_without_usage").GetInt32());
            Assert.Equal(1.0, phase.GetProperty("goodput_fraction").GetDouble());
            double wall = phase.GetProperty("wall_s").GetDouble();
            Assert.Equal(28 / wall, phase.GetProperty("throughput_tokens_per_s").GetDouble(), tolerance: 28 / wall * 0.01 + 0.01);
        }

        Assert.Equal(8, server.ChatRequests.Count);
        foreach (RecordedRequest request in server.ChatRequests)
        {
            JsonElement body = request.Json;
            Assert.Equal("fake-qwen", body.GetProperty("model").GetString());
            Assert.True(body.GetProperty("stream").GetBoolean());
            Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
            Assert.Equal(16, body.GetProperty("max_tokens").GetInt32());
            Assert.Equal(0, body.GetProperty("temperature").GetDouble());
            Assert.Equal("Bearer sk-fake", request.Header("Authorization"));
            Assert.Null(request.Header(Run.ChatStreamRunner.SessionHeader));
        }
    }

    [Theory]
    [InlineData("--ttft-target-ms", "50", "--itl-target-ms", "5000")]
    [InlineData("--ttft-target-ms", "5000", "--itl-target-ms", "20")]
    public async Task Requests_missing_a_target_are_not_goodput(params string[] targets)
    {
        await using var server = FakeChatServer.Start(_ => Scripted());
        AppRun run = await AppRun.OfAsync(["--url", server.BaseUrl.ToString(), "--requests", "2", "--json", .. targets]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(2, run.Phase(0).GetProperty("succeeded").GetInt32());
        Assert.Equal(0, run.Phase(0).GetProperty("goodput_fraction").GetDouble());
        Assert.Equal(0, run.Phase(0).GetProperty("goodput_per_s").GetDouble());
    }

    [Fact]
    public async Task Errors_are_counted_by_status_and_kind_and_a_429_as_a_refusal()
    {
        await using var server = FakeChatServer.Start(request => (request.Sequence % 5) switch
        {
            0 => new FakeResponse.Error(429, ChatScript.ErrorBody("queue full"), RetryAfter: "0"),
            1 => new FakeResponse.Error(503, ChatScript.ErrorBody("draining"), RetryAfter: "0"),
            2 => new FakeResponse.Stream([new StreamStep(TimeSpan.Zero, "data: {\"error\":{\"message\":\"engine fault\"}}\n\n")]),
            3 => new FakeResponse.Stream(ChatScript.Answer(TimeSpan.Zero, TimeSpan.Zero, 1, 5, 0, done: false)),
            _ => new FakeResponse.Stream(ChatScript.Answer(TimeSpan.Zero, TimeSpan.Zero, 1, 5, 0)),
        });
        AppRun run = await AppRun.OfAsync("--url", server.BaseUrl.ToString(), "--requests", "10", "--json");

        JsonElement phase = run.Phase(0);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(2, phase.GetProperty("succeeded").GetInt32());
        Assert.Equal(6, phase.GetProperty("failed").GetInt32());
        Assert.Equal(2, phase.GetProperty("refused").GetInt32());
        Assert.Equal(
            ["503=2", "incomplete=2", "stream=2"],
            phase.GetProperty("errors").EnumerateObject().Select(e => $"{e.Name}={e.Value.GetInt32()}"));
        // A body without a gateway's type is a refusal of unknown kind; the known kinds are always listed.
        Assert.Equal(
            ["requests=0", "tokens=0", "insufficient_quota=0", "other=2"],
            phase.GetProperty("refusals").EnumerateObject().Select(e => $"{e.Name}={e.Value.GetInt32()}"));
        Assert.False(phase.TryGetProperty("tenants", out _));
        Assert.Equal(10, phase.GetProperty("completion_tokens").GetInt64());
    }

    [Fact]
    public async Task A_stalled_stream_times_out_and_a_run_without_success_exits_1()
    {
        await using var server = FakeChatServer.Start(_ =>
            new FakeResponse.Stream(ChatScript.Answer(TimeSpan.FromSeconds(20), Gap, 1, 5, 0)));
        var started = DateTime.UtcNow;
        AppRun run = await AppRun.OfAsync("--url", server.BaseUrl.ToString(), "--requests", "2", "--timeout-s", "0.3", "--json");

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "the timeout did not stop the stalled streams");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(2, run.Phase(0).GetProperty("errors").GetProperty("timeout").GetInt32());
        Assert.Equal(JsonValueKind.Null, run.Phase(0).GetProperty("ttft_p50_ms").ValueKind);
        Assert.Contains("no request succeeded (timeout:", run.StderrLines[^1]);
    }

    [Fact]
    public async Task Sessions_send_the_conversation_so_far_under_one_session_id()
    {
        await using var server = FakeChatServer.Start(request =>
            new FakeResponse.Stream(ChatScript.Answer(TimeSpan.Zero, TimeSpan.Zero, 30, 7,
                cachedTokens: request.Messages.Count > 1 ? 20 : 0)));
        AppRun run = await AppRun.OfAsync(
            "--url", server.BaseUrl.ToString(), "--sessions", "--turns", "3", "--requests", "6", "--json", "--prompt-words", "40");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(80, run.Phase(0).GetProperty("cached_tokens").GetInt64());

        RecordedRequest[] requests = server.ChatRequests.ToArray();
        Assert.Equal([1, 3, 5, 1, 3, 5], requests.Select(r => r.Messages.Count));
        string?[] ids = requests.Select(r => r.Header("x-session-id")).ToArray();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids[0], ids[2]);
        Assert.NotEqual(ids[2], ids[3]);
        Assert.Equal(ids[3], ids[5]);

        // The reply goes back as the assistant turn: content only, reasoning is not part of the conversation.
        var third = requests[2].Messages;
        Assert.Equal(requests[0].Messages[0], third[0]);
        Assert.Equal(("assistant", string.Concat(ChatScript.DefaultContent)), third[1]);
        Assert.Equal(requests[1].Messages[2], third[2]);
        Assert.Equal("assistant", third[3].Role);
        Assert.Equal(40, Prompts.PromptGenerator.CountWords(third[0].Content));
    }

    [Fact]
    public async Task A_mixed_load_sends_the_long_prompt_to_its_fraction_and_reports_both_classes()
    {
        await using var server = FakeChatServer.Start(_ => Scripted());
        AppRun run = await AppRun.OfAsync(
            "--url", server.BaseUrl.ToString(), "--requests", "4", "--prompt-words", "20",
            "--long-prompt-words", "500", "--long-fraction", "0.5", "--json");

        Assert.Equal(0, run.ExitCode);
        int[] words = server.ChatRequests.Select(r => Prompts.PromptGenerator.CountWords(r.Messages[0].Content)).ToArray();
        Assert.Equal([20, 500, 20, 500], words);
        Assert.Equal(2, run.Phase(0).GetProperty("long_prompts").GetProperty("requests").GetInt32());
        Assert.Equal(2, run.Phase(0).GetProperty("short_prompts").GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async Task Warmup_requests_are_sent_but_not_measured()
    {
        await using var server = FakeChatServer.Start(_ => Scripted());
        AppRun run = await AppRun.OfAsync("--url", server.BaseUrl.ToString(), "--requests", "2", "--warmup", "3", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(5, server.ChatRequests.Count);
        Assert.Equal(2, run.Phase(0).GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task The_table_shows_one_row_per_phase()
    {
        await using var server = FakeChatServer.Start(_ => Scripted());
        AppRun run = await AppRun.OfAsync(
            // Targets far above the scripted delays: this test is about the table, not timing on a busy machine.
            "--url", server.BaseUrl.ToString(), "--concurrency", "1,4", "--requests", "4", "--ttft-target-ms", "10000", "--itl-target-ms", "5000");
        output.WriteLine(run.Stdout);

        Assert.Equal(0, run.ExitCode);
        string[] lines = run.Stdout.Split('\n');
        string header = Assert.Single(lines, l => l.TrimStart().StartsWith("conc", StringComparison.Ordinal));
        Assert.Contains("TTFT p50", header);
        Assert.Contains("goodput", header);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("1 ", StringComparison.Ordinal) && l.Contains("100.0%"));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("4 ", StringComparison.Ordinal));
        Assert.Contains("goodput targets: TTFT <= 10000 ms, ITL p99 <= 5000 ms", run.Stdout);
        Assert.DoesNotContain("{", run.Stdout);
    }

    [Fact]
    public async Task An_unreachable_server_exits_1_with_a_clear_message()
    {
        AppRun run = await AppRun.OfAsync("--url", $"http://127.0.0.1:{FakeChatServer.FreePort()}", "--timeout-s", "5");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        string line = Assert.Single(run.StderrLines);
        Assert.StartsWith("qwenmesh-load: cannot reach http://127.0.0.1:", line);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FakeServerCollection
{
    public const string Name = "fake server";
}
