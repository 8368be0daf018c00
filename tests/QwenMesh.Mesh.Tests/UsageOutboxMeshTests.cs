using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using QwenMesh.Cli;

namespace QwenMesh.Mesh.Tests;

/// <summary>A mesh without Kafka whose decode outbox holds only a few events: when it is full, requests are still served and the loss is loud.</summary>
public sealed class UsageOutboxMeshTests : IAsyncLifetime
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-outbox-mesh", Guid.NewGuid().ToString("N"));
    MeshProcess _mesh = null!;

    string Model => Path.Combine(_root, "tiny");

    public async Task InitializeAsync()
    {
        TinyModel.Write(Model);
        // Room for two or three events of this size.
        _mesh = MeshProcess.Start(new Dictionary<string, string> { ["QwenMesh__Usage__OutboxMaxBytes"] = "2000" }, "--model", Model, "--prefill-workers", "0");
        await _mesh.WaitRoutableAsync();
    }

    public Task DisposeAsync()
    {
        _mesh?.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_full_outbox_keeps_what_it_has_serves_every_request_and_says_so_in_metrics_and_log()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_mesh.Port}"), Timeout = TimeSpan.FromMinutes(2) };
        var ids = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            using var response = await http.PostAsync("/v1/chat/completions",
                new StringContent(OpenAiClient.Chat("tiny", [new { role = "user", content = $"Request {i}" }], 2), Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n" + string.Join("\n", _mesh.Output.TakeLast(15)));
            ids.Add(response.Headers.GetValues("x-request-id").Single());
        }
        string metrics = await http.GetStringAsync(_mesh.Child("decode", 0).Url + "/metrics");
        double dropped = metrics.Split('\n').Where(l => l.StartsWith("qwenmesh:usage_events_dropped_total{", StringComparison.Ordinal) && l.Contains("reason=\"outbox_full\""))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Single();
        Assert.InRange(dropped, 3, 5);
        Assert.Contains(_mesh.Output, l => l.Contains("DROPPED", StringComparison.Ordinal) && l.Contains("is full", StringComparison.Ordinal));

        // What the outbox took, it kept: the first requests, each once.
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["usage", "--outbox", _mesh.Outbox, "--json"], stdout, new StringWriter()));
        using var totals = JsonDocument.Parse(stdout.ToString().TrimEnd().Split('\n')[^1]);
        Assert.Equal(6 - (long)dropped, totals.RootElement.GetProperty("events").GetInt64());
        Assert.Equal(0, totals.RootElement.GetProperty("duplicates").GetInt64());
        string journal = string.Join("\n", Directory.EnumerateFiles(Path.Combine(_mesh.Outbox, "decode-0"), "*.events").Select(File.ReadAllText));
        for (int i = 0; i < 6 - (int)dropped; i++) Assert.Contains($"\"id\":\"{ids[i]}\"", journal);
    }
}
