using System.Text.Json;
using QwenMesh.LoadTest;

namespace QwenMesh.LoadTest.Tests;

/// <summary>Runs the load program in-process and captures what it prints.</summary>
public sealed record AppRun(int ExitCode, string Stdout, string Stderr)
{
    public static async Task<AppRun> OfAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        int code = await LoadApp.RunAsync(args, stdout, stderr, guard.Token);
        return new AppRun(code, stdout.ToString(), stderr.ToString());
    }

    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public string LastLine => Stdout.TrimEnd('\n').Split('\n')[^1];

    public JsonElement Json => JsonDocument.Parse(LastLine).RootElement.Clone();

    public JsonElement Phase(int index) => Json.GetProperty("phases")[index];
}
