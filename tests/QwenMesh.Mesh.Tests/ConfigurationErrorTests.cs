using System.Diagnostics;
using QwenMesh.Cli;

namespace QwenMesh.Mesh.Tests;

/// <summary>A bad setting stops a service before it serves, with one line naming the key and the value, and exit code 2.</summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    readonly string _model = Path.Combine(Path.GetTempPath(), "qwenmesh-config-tests", Guid.NewGuid().ToString("N"));

    public ConfigurationErrorTests()
    {
        var stderr = new StringWriter();
        if (CliApp.Run(["make-model", "--out", _model, "--preset", "tiny", "--seed", "5", "--no-tokenizer"], new StringWriter(), stderr) != 0)
            throw new InvalidOperationException($"make-model failed: {stderr}");
    }

    [Theory]
    [InlineData("decode", "--QwenMesh:Decode:MaxBatch=0", "qwenmesh-decode: QwenMesh:Decode:MaxBatch must be at least 1, got '0'")]
    [InlineData("decode", "--QwenMesh:Metrics:TtftBuckets=1,0.5", "qwenmesh-decode: QwenMesh:Metrics:TtftBuckets must be positive, increasing bucket bounds, got '1,0.5'")]
    [InlineData("prefill", "--QwenMesh:HttpPort=99999", "qwenmesh-prefill: QwenMesh:HttpPort must be a port (1-65535), got '99999'")]
    [InlineData("prefill", "--QwenMesh:Prefill:BatchTokens=lots", "'lots'")]
    [InlineData("expert-worker", "--QwenMesh:WorkerIndex=3", "qwenmesh-expert-worker: QwenMesh:WorkerIndex must be in [0, QwenMesh:Workers=1), got '3'")]
    public async Task A_bad_setting_stops_the_service_with_one_line(string role, string setting, string expected)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "qwenmesh.dll"), "serve", role, $"--QwenMesh:Model={_model}", "--QwenMesh:HttpPort=1", setting })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, process.ExitCode);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("qwenmesh-ready", await stdout);
    }

    public void Dispose() => Directory.Delete(_model, recursive: true);
}
