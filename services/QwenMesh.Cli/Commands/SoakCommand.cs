using System.Diagnostics;
using QwenMesh.Cli.Soak;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `soak`: the reliability benchmark. Starts `up` on the demo model, keeps N greedy streaming chats running for M
/// minutes (a fixed set of prompts, so every answer to a prompt must be the same), and samples the resident memory of
/// every process. Prints one line per sample and, last, one JSON object; exits 1 on any failed stream or divergent answer.
/// </summary>
public static class SoakCommand
{
    static readonly string[] Questions =
    [
        "Hello!", "What is a hybrid linear attention model?", "Write a haiku about autumn.", "Count to ten.",
        "Explain Redis in one sentence.", "Why is the sky blue?", "Name three prime numbers.", "What is gRPC?",
    ];

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        double minutes = o.Double("minutes") ?? 10;
        int concurrency = o.Int("concurrency", min: 1) ?? 32;
        int maxTokens = o.Int("max-tokens", min: 1) ?? 64;
        int sampleSeconds = o.Int("sample-s", min: 1) ?? 30;
        int port = o.Int("port", min: 1) ?? 18080;
        string[] upArguments = (o.String("up-args") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        o.EnsureAllUsed();
        if (minutes <= 0) throw new CliUsageException("--minutes must be > 0");

        using Process up = StartMesh(port, upArguments, out List<string> lines);
        try
        {
            var pids = lines.Where(l => l.StartsWith("started ", StringComparison.Ordinal))
                .Select(l => (Name: string.Join(' ', l.Split(' ').Skip(1).Take(2)), Pid: int.Parse(l.Split("pid=")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)))
                .Append((Name: "up", Pid: up.Id)).ToList();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
            string model = System.Text.Json.JsonDocument.Parse(http.GetStringAsync("/v1/models").GetAwaiter().GetResult()).RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;

            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
            var outcomes = new System.Collections.Concurrent.ConcurrentQueue<SoakOutcome>();
            var clients = Enumerable.Range(0, concurrency).Select(c => Task.Run(async () =>
            {
                for (int n = c; !stop.IsCancellationRequested; n += concurrency)
                {
                    int prompt = n % Questions.Length;
                    SoakOutcome r = await SoakStream.RunAsync(http, model, prompt, Questions[prompt], maxTokens, CancellationToken.None);
                    outcomes.Enqueue(r);
                }
            })).ToArray();

            var samples = new List<Dictionary<string, long?>>();
            stdout.WriteLine($"soak: {concurrency} streams for {minutes} min, {maxTokens} tokens each; RSS in MiB every {sampleSeconds} s");
            stdout.WriteLine("t_s  streams  " + string.Join("  ", pids.Select(p => p.Name)));
            var clock = Stopwatch.StartNew();
            while (!Task.WaitAll(clients, TimeSpan.FromSeconds(sampleSeconds)))
            {
                var sample = pids.ToDictionary(p => p.Name, p => ProcessMemory.ResidentBytes(p.Pid));
                samples.Add(sample);
                stdout.WriteLine($"{clock.Elapsed.TotalSeconds,4:F0}  {outcomes.Count,7}  " + string.Join("  ", pids.Select(p => $"{(sample[p.Name] ?? 0) >> 20,5}")));
                stdout.Flush();
            }

            var all = outcomes.ToList();
            var failed = all.Where(r => !r.Complete).ToList();
            var divergent = all.Where(r => r.Complete).GroupBy(r => r.Prompt).Count(g => g.Select(r => r.Text).Distinct().Count() > 1);
            foreach (SoakOutcome f in failed.Take(5)) stderr.WriteLine($"qwenmesh: failed stream (prompt {f.Prompt}): {f.Error}");
            var report = new
            {
                minutes,
                concurrency,
                streams = all.Count,
                failed_streams = failed.Count,
                prompts_with_divergent_answers = divergent,
                rss_mib = pids.ToDictionary(p => p.Name, p => samples.Select(s => (s[p.Name] ?? 0) >> 20).ToArray()),
            };
            stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(report));
            return failed.Count == 0 && divergent == 0 ? 0 : CliApp.ExitError;
        }
        finally
        {
            Process.Start("kill", ["-TERM", up.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!up.WaitForExit(TimeSpan.FromSeconds(30))) up.Kill(entireProcessTree: true);
        }
    }

    /// <summary>`up` as a child of this process, waited for until it serves; <paramref name="lines"/> collects its output.</summary>
    static Process StartMesh(int port, string[] arguments, out List<string> lines)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(info.FileName) == "dotnet") info.ArgumentList.Add(typeof(SoakCommand).Assembly.Location);
        foreach (string a in new[] { "up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(arguments)) info.ArgumentList.Add(a);
        Process up = Process.Start(info) ?? throw new IOException("could not start the mesh");
        var output = new List<string>();
        lines = output;
        var ready = new TaskCompletionSource();
        void Line(string? line)
        {
            if (line is null) return;
            lock (output) output.Add(line);
            if (line.StartsWith("QwenMesh OpenAI API at", StringComparison.Ordinal)) ready.TrySetResult();
        }
        up.OutputDataReceived += (_, e) => Line(e.Data);
        up.ErrorDataReceived += (_, e) => Line(e.Data);
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromMinutes(5)))
        {
            up.Kill(entireProcessTree: true);
            throw new IOException("the mesh did not start:\n" + string.Join("\n", output.TakeLast(20)));
        }
        lock (output) lines = [.. output];
        return up;
    }
}
