using System.Globalization;
using System.Text;
using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Report;

/// <summary>Writes the run as an aligned table for a person, one row per phase, with errors and mixed-load detail below.</summary>
public static class TableReport
{
    static readonly string[] Header =
    [
        "conc", "reqs", "ok", "fail", "refused", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99",
        "E2E mean", "E2E p50", "E2E p99", "tok/s/req", "tok/s", "goodput", "good/s", "cached",
    ];

    public static string Render(RunReport report)
    {
        LoadOptions o = report.Options;
        var text = new StringBuilder();
        text.AppendLine($"qwenmesh-load: model {report.Model} at {o.BaseUrl}");
        text.Append(Invariant($"{o.RequestsPerPhase} requests per phase, max_tokens {o.MaxTokens}, prompts of {o.PromptWords} words, temperature {o.Temperature}"));
        if (o.MixedLoad) text.Append(Invariant($", {o.LongFraction * 100:0.#}% long prompts of {o.LongPromptWords} words"));
        if (o.Sessions) text.Append(Invariant($", sessions of {o.TurnsPerSession} turns"));
        text.AppendLine();
        if (o.Tenants.Count > 0)
        {
            text.Append("tenants: ").AppendJoin(", ", o.Tenants);
            if (o.Retry429 > 0) text.Append(Invariant($"; a 429 is retried up to {o.Retry429} times"));
            text.AppendLine();
        }
        text.AppendLine(Targets(o));
        text.AppendLine();

        var rows = new List<string[]> { Header };
        rows.AddRange(report.Phases.Select(Row));
        AppendAligned(text, rows);
        text.AppendLine("latencies in ms; tok/s/req: median over requests of output tokens / e2e s; tok/s: completion tokens / wall s");

        AppendErrors(text, report.Phases);
        AppendRefusals(text, report.Phases);
        AppendTenants(text, report.Phases);
        AppendMixedLoad(text, report.Phases);
        AppendUsageNote(text, report.Phases);
        return text.ToString();
    }

    static string Targets(LoadOptions o)
    {
        var parts = new List<string>();
        if (o.TtftTargetMs is { } ttft) parts.Add(Invariant($"TTFT <= {ttft} ms"));
        if (o.ItlTargetMs is { } itl) parts.Add(Invariant($"ITL p99 <= {itl} ms"));
        return parts.Count == 0
            ? "goodput: no targets given, every successful request counts"
            : "goodput targets: " + string.Join(", ", parts);
    }

    static string[] Row(PhaseResult p) =>
    [
        Int(p.Concurrency), Int(p.Requests), Int(p.Succeeded), Int(p.Failed), Int(p.Refused),
        Ms(p.TtftMs?.P50), Ms(p.TtftMs?.P99), Ms(p.ItlMs?.P50), Ms(p.ItlMs?.P99),
        Ms(p.E2eMs?.Mean), Ms(p.E2eMs?.P50), Ms(p.E2eMs?.P99),
        Ms(p.OutputTokensPerSecond?.P50), Ms(p.ThroughputTokensPerSecond),
        Invariant($"{p.Goodput.Fraction * 100:0.0}%"), Invariant($"{p.Goodput.RatePerSecond:0.00}"), Int(p.CachedTokens),
    ];

    static void AppendAligned(StringBuilder text, List<string[]> rows)
    {
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            text.AppendJoin("  ", row.Select((cell, c) => cell.PadLeft(widths[c])));
            text.AppendLine();
        }
    }

    static void AppendErrors(StringBuilder text, IReadOnlyList<PhaseResult> phases)
    {
        PhaseResult[] failing = phases.Where(p => p.Errors.Count > 0).ToArray();
        if (failing.Length == 0) return;
        text.AppendLine("errors:");
        foreach (PhaseResult p in failing)
        {
            IEnumerable<string> parts = p.Errors.Select(e =>
                p.ErrorSamples.TryGetValue(e.Key, out string? sample) ? $"{e.Key} x{e.Value} ({sample})" : $"{e.Key} x{e.Value}");
            text.AppendLine(Invariant($"  conc {p.Concurrency}: ") + string.Join(", ", parts));
        }
    }

    static void AppendRefusals(StringBuilder text, IReadOnlyList<PhaseResult> phases)
    {
        PhaseResult[] refusing = phases.Where(p => p.Refused > 0 || p.Retries > 0).ToArray();
        if (refusing.Length == 0) return;
        text.AppendLine("refused (429, not failures):");
        foreach (PhaseResult p in refusing)
        {
            IEnumerable<string> parts = p.Refusals.Where(r => r.Value > 0).Select(r =>
                p.RefusalSamples.TryGetValue(r.Key, out string? sample) ? $"{r.Key} x{r.Value} ({sample})" : $"{r.Key} x{r.Value}");
            string retries = p.Retries > 0 ? Invariant($"; {p.Retries} retried") : "";
            text.AppendLine(Invariant($"  conc {p.Concurrency}: ") + string.Join(", ", parts) + retries);
        }
    }

    static readonly string[] TenantHeader =
    [
        "tenant", "weight", "reqs", "ok", "refused", "req/tok/quota", "fail", "tokens", "TTFT p50", "TTFT p99", "tok/s",
    ];

    static void AppendTenants(StringBuilder text, IReadOnlyList<PhaseResult> phases)
    {
        foreach (PhaseResult p in phases)
        {
            if (p.Tenants is null) continue;
            text.AppendLine(Invariant($"by tenant, conc {p.Concurrency}: Jain's fairness over tokens / weight {Fairness(p.JainFairnessIndex)}"));
            var rows = new List<string[]> { TenantHeader };
            rows.AddRange(p.Tenants.Select(TenantRow));
            AppendAligned(text, rows);
        }
    }

    static string[] TenantRow(TenantResult t) =>
    [
        t.Name, t.Weight.ToString("0.###", CultureInfo.InvariantCulture), Int(t.Requests), Int(t.Succeeded), Int(t.Refused),
        Invariant($"{t.Refusals[RateLimitRefusal.Requests]}/{t.Refusals[RateLimitRefusal.Tokens]}/{t.Refusals[RateLimitRefusal.InsufficientQuota]}"),
        Int(t.Failed), Int(t.CompletionTokens), Ms(t.TtftMs?.P50), Ms(t.TtftMs?.P99), Ms(t.ThroughputTokensPerSecond),
    ];

    static string Fairness(double? index) => index is { } j ? j.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    static void AppendMixedLoad(StringBuilder text, IReadOnlyList<PhaseResult> phases)
    {
        if (phases.All(p => p.ShortPrompts is null)) return;
        text.AppendLine("by prompt class (ms):");
        foreach (PhaseResult p in phases)
        {
            text.AppendLine(Invariant($"  conc {p.Concurrency}: short {Class(p.ShortPrompts)}; long {Class(p.LongPrompts)}"));
        }
    }

    static string Class(PromptClassResult? c) => c is null
        ? "-"
        : Invariant($"{c.Succeeded}/{c.Requests} ok, TTFT p50 {Ms(c.TtftMs?.P50)} p99 {Ms(c.TtftMs?.P99)}, ITL p99 {Ms(c.ItlMs?.P99)}");

    static void AppendUsageNote(StringBuilder text, IReadOnlyList<PhaseResult> phases)
    {
        int without = phases.Sum(p => p.RequestsWithoutUsage);
        if (without > 0)
            text.AppendLine(Invariant($"note: {without} successful requests had no usage chunk; their tokens were counted as one per delta"));
    }

    static string Ms(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
