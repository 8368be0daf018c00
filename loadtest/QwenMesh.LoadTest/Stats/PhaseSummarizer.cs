using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Run;

namespace QwenMesh.LoadTest.Stats;

/// <summary>Turns the raw outcomes of a phase into the numbers the reports print.</summary>
public static class PhaseSummarizer
{
    public static PhaseResult Summarize(PhaseRun run, GoodputPolicy goodput, bool mixedLoad, IReadOnlyList<Tenant>? tenants = null)
    {
        IReadOnlyList<RequestOutcome> all = run.Outcomes;
        RequestOutcome[] ok = all.Where(o => o.Succeeded).ToArray();
        RequestOutcome[] refused = all.Where(o => o.IsRefusal).ToArray();
        long completion = ok.Sum(o => (long)o.OutputTokens);

        var errors = new SortedDictionary<string, int>(ErrorKeyOrder.Instance);
        var samples = new SortedDictionary<string, string>(ErrorKeyOrder.Instance);
        foreach (RequestOutcome failure in all.Where(o => !o.Succeeded && !o.IsRefusal))
        {
            string key = failure.ErrorKind ?? "unknown";
            errors[key] = errors.GetValueOrDefault(key) + 1;
            if (failure.ErrorMessage is { Length: > 0 } message) samples.TryAdd(key, message);
        }

        TenantResult[]? tenantResults = tenants is { Count: > 0 }
            ? tenants.Select(t => TenantOf(t, all.Where(o => o.Tenant == t.Name).ToArray(), run.Wall)).ToArray()
            : null;
        return new PhaseResult
        {
            Phase = run.Phase,
            Concurrency = run.Concurrency,
            Requests = all.Count,
            Succeeded = ok.Length,
            Refused = refused.Length,
            Errors = errors,
            ErrorSamples = samples,
            Refusals = CountRefusals(refused),
            RefusalSamples = refused
                .Where(o => o.ErrorMessage is { Length: > 0 })
                .GroupBy(o => o.RefusalKind!)
                .ToDictionary(g => g.Key, g => g.First().ErrorMessage!),
            Retries = all.Sum(o => o.Retries),
            Tenants = tenantResults,
            JainFairnessIndex = tenantResults is null
                ? null
                : JainFairness.Index(tenantResults.Select(t => t.CompletionTokens / t.Weight).ToArray()),
            Wall = run.Wall,
            Timeline = TimeSlice.Of(all, run.Wall),
            TtftMs = Distribution.Of(ok.Where(o => o.TtftMs is not null).Select(o => o.TtftMs!.Value)),
            ItlMs = Distribution.Of(ok.SelectMany(o => o.GapsMs)),
            E2eMs = Distribution.Of(ok.Select(o => o.E2eMs)),
            OutputTokensPerSecond = Distribution.Of(ok.Where(o => o.OutputTokensPerSecond is not null).Select(o => o.OutputTokensPerSecond!.Value)),
            PromptTokens = ok.Sum(o => (long)(o.Usage?.PromptTokens ?? 0)),
            CompletionTokens = completion,
            CachedTokens = ok.Sum(o => (long)(o.Usage?.CachedTokens ?? 0)),
            RequestsWithoutUsage = ok.Count(o => o.Usage is null),
            ThroughputTokensPerSecond = run.Wall > TimeSpan.Zero ? completion / run.Wall.TotalSeconds : 0,
            Goodput = goodput.Measure(all.ToArray(), run.Wall),
            ShortPrompts = mixedLoad ? ClassOf(all.Where(o => !o.IsLongPrompt)) : null,
            LongPrompts = mixedLoad ? ClassOf(all.Where(o => o.IsLongPrompt)) : null,
        };
    }

    /// <summary>Refusals by kind: the known kinds always (0 when none), then <see cref="RateLimitRefusal.Other"/> when seen.</summary>
    public static IReadOnlyDictionary<string, int> CountRefusals(IReadOnlyCollection<RequestOutcome> refused)
    {
        var counts = new Dictionary<string, int>();
        foreach (string kind in RateLimitRefusal.Known) counts[kind] = refused.Count(o => o.RefusalKind == kind);
        int other = refused.Count(o => o.RefusalKind == RateLimitRefusal.Other);
        if (other > 0) counts[RateLimitRefusal.Other] = other;
        return counts;
    }

    static TenantResult TenantOf(Tenant tenant, RequestOutcome[] outcomes, TimeSpan wall)
    {
        RequestOutcome[] ok = outcomes.Where(o => o.Succeeded).ToArray();
        RequestOutcome[] refused = outcomes.Where(o => o.IsRefusal).ToArray();
        long completion = ok.Sum(o => (long)o.OutputTokens);
        return new TenantResult
        {
            Name = tenant.Name,
            Weight = tenant.Weight,
            Requests = outcomes.Length,
            Succeeded = ok.Length,
            Refused = refused.Length,
            Refusals = CountRefusals(refused),
            Retries = outcomes.Sum(o => o.Retries),
            CompletionTokens = completion,
            TtftMs = Distribution.Of(ok.Where(o => o.TtftMs is not null).Select(o => o.TtftMs!.Value)),
            ThroughputTokensPerSecond = wall > TimeSpan.Zero ? completion / wall.TotalSeconds : 0,
        };
    }

    static PromptClassResult ClassOf(IEnumerable<RequestOutcome> outcomes)
    {
        RequestOutcome[] list = outcomes.ToArray();
        RequestOutcome[] ok = list.Where(o => o.Succeeded).ToArray();
        return new PromptClassResult(
            list.Length,
            ok.Length,
            Distribution.Of(ok.Where(o => o.TtftMs is not null).Select(o => o.TtftMs!.Value)),
            Distribution.Of(ok.SelectMany(o => o.GapsMs)));
    }

    /// <summary>HTTP statuses first in numeric order, then named kinds alphabetically.</summary>
    sealed class ErrorKeyOrder : IComparer<string>
    {
        public static readonly ErrorKeyOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            bool xNumber = int.TryParse(x, out int xs);
            bool yNumber = int.TryParse(y, out int ys);
            if (xNumber && yNumber) return xs.CompareTo(ys);
            if (xNumber != yNumber) return xNumber ? -1 : 1;
            return string.CompareOrdinal(x, y);
        }
    }
}
