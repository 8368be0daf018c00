using System.Diagnostics;
using System.Text.Json;

namespace QwenMesh.Mesh.Tests;

/// <summary>Runs one of loadtest/k6's scripts under the project's k6 test harness (Node) and reads its JSON summary.</summary>
public sealed record K6Harness(int ExitCode, string Output, JsonElement Summary)
{
    public static async Task<K6Harness> RunAsync(string script, int vus, int iterations, IReadOnlyDictionary<string, string> env)
    {
        string k6 = Path.Combine(RepositoryPaths.Root, "loadtest", "k6");
        string summary = Path.Combine(Path.GetTempPath(), $"qwenmesh-k6-{Guid.NewGuid():N}.json");
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { Path.Combine(k6, "harness", "run.mjs"), "--script", Path.Combine(k6, script), "--vus", $"{vus}", "--iterations", $"{iterations}", "--summary-json", summary })
            info.ArgumentList.Add(a);
        foreach (var (k, v) in env) { info.ArgumentList.Add("--env"); info.ArgumentList.Add($"{k}={v}"); }
        using var node = Process.Start(info) ?? throw new InvalidOperationException("node is needed for the k6 harness (apt-get install -y nodejs)");
        Task<string> stdout = node.StandardOutput.ReadToEndAsync(), stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await node.WaitForExitAsync(timeout.Token);
        string output = await stdout + await stderr;
        Assert.True(File.Exists(summary), $"the harness wrote no summary (exit {node.ExitCode}):\n{output}");
        using var json = JsonDocument.Parse(File.ReadAllText(summary));
        File.Delete(summary);
        return new K6Harness(node.ExitCode, output, json.RootElement.Clone());
    }

    public double Metric(string name, string statistic) => Summary.GetProperty("metrics").GetProperty(name).GetProperty(statistic).GetDouble();

    /// <summary>Exit 0, every check passed and every threshold held.</summary>
    public void AssertPassed()
    {
        Assert.True(ExitCode == 0, Output);
        foreach (var check in Summary.GetProperty("checks").EnumerateObject())
            Assert.True(check.Value.GetProperty("fails").GetInt32() == 0, $"check '{check.Name}' failed:\n{Output}");
        Assert.NotEmpty(Summary.GetProperty("thresholds").EnumerateArray());
        Assert.All(Summary.GetProperty("thresholds").EnumerateArray(), t => Assert.True(t.GetProperty("ok").GetBoolean(), Output));
    }
}
