using System.Text.Json;

namespace QwenMesh.Cli.Tests;

/// <summary>The benchmark program runs end to end (on the tiny preset) and reports every figure the README quotes.</summary>
[Collection(BenchCollection.Name)]
public sealed class BenchTests
{
    [Fact]
    public void Bench_json_last_line_has_every_figure()
    {
        string cache = Path.Combine(Path.GetTempPath(), "qwenmesh-bench-test", Guid.NewGuid().ToString("N"));
        string? previous = Environment.GetEnvironmentVariable("QWENMESH_MODEL_CACHE");
        Environment.SetEnvironmentVariable("QWENMESH_MODEL_CACHE", cache);
        try
        {
            CliRun run = CliRun.Of("bench", "--json", "--preset", "tiny", "--runs", "1");
            Assert.True(run.ExitCode == 0, run.Stderr);
            JsonElement json = JsonDocument.Parse(run.LastLine).RootElement;
            Assert.Equal("tiny", json.GetProperty("preset").GetString());
            Assert.Equal("bfloat16", json.GetProperty("dtype").GetString());
            foreach (string n in new[] { "512", "4096" }) Assert.True(json.GetProperty("prefill_tokens_per_s").GetProperty(n).GetDouble() > 0);
            foreach (string b in new[] { "1", "8", "32" }) Assert.True(json.GetProperty("decode_tokens_per_s").GetProperty(b).GetDouble() > 0);
            foreach (string variant in new[] { "hybrid", "full_attention" })
            foreach (string c in new[] { "1024", "8192", "32768" })
                Assert.True(json.GetProperty("decode_ms_per_token").GetProperty(variant).GetProperty(c).GetDouble() > 0);
            Assert.True(json.GetProperty("peak_rss_mb").GetDouble() > 0);
        }
        finally
        {
            Environment.SetEnvironmentVariable("QWENMESH_MODEL_CACHE", previous);
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }
}

/// <summary>The bench test changes a process-wide environment variable, so it runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchCollection
{
    public const string Name = "bench";
}
