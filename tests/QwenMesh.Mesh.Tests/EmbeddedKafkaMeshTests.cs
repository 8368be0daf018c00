using System.Text;
using System.Text.Json;
using QwenMesh.Cli;

namespace QwenMesh.Mesh.Tests;

/// <summary>`up --kafka embedded`: a Kafka in the launcher, announced like every process, that the project's consumer reads.</summary>
public sealed class EmbeddedKafkaMeshTests : IAsyncLifetime
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-embedded-kafka", Guid.NewGuid().ToString("N"));
    MeshProcess _mesh = null!;

    public async Task InitializeAsync()
    {
        string model = Path.Combine(_root, "tiny");
        TinyModel.Write(model);
        _mesh = MeshProcess.Start("--model", model, "--prefill-workers", "0", "--kafka", "embedded");
        await _mesh.WaitRoutableAsync();
    }

    public Task DisposeAsync()
    {
        _mesh?.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_embedded_kafka_is_announced_and_holds_the_usage_events()
    {
        string line = Assert.Single(_mesh.Output, l => l.StartsWith("started kafka 0 ", StringComparison.Ordinal));
        Assert.Matches(@"^started kafka 0 pid=\d+ url=127\.0\.0\.1:\d+$", line);
        Assert.Equal($"pid={_mesh.LauncherPid}", line.Split(' ')[3]);
        string url = line[(line.IndexOf("url=", StringComparison.Ordinal) + 4)..];

        using var http = new HttpClient { BaseAddress = _mesh.BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
        using var response = await http.PostAsync("/v1/chat/completions",
            new StringContent(OpenAiClient.Chat("tiny", [new { role = "user", content = "Hello" }], 3), Encoding.UTF8, "application/json"));
        Assert.Equal(200, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        long prompt = body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var stdout = new StringWriter();
            Assert.Equal(0, CliApp.Run(["usage", "--kafka", url, "--from-beginning", "--json", "--group", "t-" + Guid.NewGuid().ToString("N"), "--state", Path.Combine(Path.GetTempPath(), $"qwenmesh-usage-{Guid.NewGuid():N}.ids")], stdout, new StringWriter()));
            using var totals = JsonDocument.Parse(stdout.ToString().TrimEnd().Split('\n')[^1]);
            if (totals.RootElement.GetProperty("events").GetInt64() == 1)
            {
                JsonElement tenant = totals.RootElement.GetProperty("tenants").GetProperty("default");
                Assert.Equal((1, prompt), (tenant.GetProperty("requests").GetInt64(), tenant.GetProperty("prompt_tokens").GetInt64()));
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the event never reached the embedded Kafka");
            await Task.Delay(500);
        }
    }
}
