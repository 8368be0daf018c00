using System.Globalization;
using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Report;
using QwenMesh.LoadTest.Run;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest;

/// <summary>
/// The whole program: parse options, make sure the server answers, warm up, run one phase per concurrency
/// level, then print the report. Results go to stdout; progress and problems go to stderr.
/// </summary>
public static class LoadApp
{
    const string Name = "qwenmesh-load";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        LoadOptions options;
        try
        {
            options = OptionParser.Parse(args);
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }
        if (options.ShowHelp)
        {
            await stdout.WriteAsync(UsageText.Text).ConfigureAwait(false);
            return ExitCodes.Done;
        }
        // A report that cannot be written is found before the run, not after it.
        if (options.HtmlReport is { } html && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(html))))
        {
            await stderr.WriteLineAsync($"{Name}: --html: the folder of '{html}' does not exist").ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        try
        {
            return await RunLoadAsync(options, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (ServerUnreachableException e)
        {
            await stderr.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"{Name}: interrupted").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    static async Task<int> RunLoadAsync(LoadOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using HttpClient http = ApiHttp.CreateClient(options);
        string model = await ModelCatalog.ResolveModelAsync(http, options, cancellationToken).ConfigureAwait(false);

        // A fresh prefix per run keeps session ids of two runs against one server from colliding.
        string runId = "load-" + Guid.NewGuid().ToString("N")[..8];
        var runner = new ChatStreamRunner(http, options, model);
        var phases = new PhaseRunner(
            runner, new WorkloadPlan(options), new TenantSchedule(options.Tenants, options.Seed), runId,
            options.Sessions, options.TurnsPerSession, options.Timeout, options.Retry429);
        var goodput = new GoodputPolicy(options.TtftTargetMs, options.ItlTargetMs);

        if (options.Warmup > 0)
        {
            int warmupUsers = Math.Min(options.Warmup, options.ConcurrencyLevels[0]);
            await Progress(stderr, $"warm-up: {options.Warmup} requests at concurrency {warmupUsers}").ConfigureAwait(false);
            await phases.RunAsync(-1, warmupUsers, options.Warmup, cancellationToken).ConfigureAwait(false);
        }

        var results = new List<PhaseResult>();
        for (int i = 0; i < options.ConcurrencyLevels.Count; i++)
        {
            int concurrency = options.ConcurrencyLevels[i];
            await Progress(stderr, $"phase {i + 1}/{options.ConcurrencyLevels.Count}: concurrency {concurrency}, {options.RequestsPerPhase} requests").ConfigureAwait(false);
            PhaseRun run = await phases.RunAsync(i, concurrency, options.RequestsPerPhase, cancellationToken).ConfigureAwait(false);
            PhaseResult result = PhaseSummarizer.Summarize(run, goodput, options.MixedLoad, options.Tenants);
            results.Add(result);
            string refused = result.Refused > 0 ? $", {result.Refused} refused" : "";
            await Progress(stderr, $"phase {i + 1}: {result.Succeeded}/{result.Requests} ok{refused} in {result.Wall.TotalSeconds:0.00} s").ConfigureAwait(false);
        }

        var report = new RunReport(options, model, results);
        await stdout.WriteAsync(options.Json ? JsonReport.Render(report) + "\n" : TableReport.Render(report)).ConfigureAwait(false);
        if (options.HtmlReport is { } html)
        {
            await File.WriteAllTextAsync(html, HtmlReport.Render(report), cancellationToken).ConfigureAwait(false);
            await Progress(stderr, $"HTML report: {Path.GetFullPath(html)}").ConfigureAwait(false);
        }

        if (results.All(r => r.Succeeded == 0))
        {
            string cause = results.SelectMany(r => r.ErrorSamples).Select(e => $"{e.Key}: {e.Value}")
                .Concat(results.SelectMany(r => r.RefusalSamples).Select(e => $"429 {e.Key}: {e.Value}"))
                .FirstOrDefault() ?? "no detail";
            await stderr.WriteLineAsync($"{Name}: no request succeeded ({cause})").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        return ExitCodes.Done;
    }

    static Task Progress(TextWriter stderr, FormattableString message) =>
        stderr.WriteLineAsync($"{Name}: {message.ToString(CultureInfo.InvariantCulture)}");
}
