using QwenMesh.LoadTest.Run;

namespace QwenMesh.LoadTest.Stats;

/// <summary>Turns the raw outcomes of a phase into the numbers the reports print.</summary>
public static class PhaseSummarizer
{
    public static PhaseResult Summarize(PhaseRun run, GoodputPolicy goodput, bool mixedLoad)
    {
        IReadOnlyList<RequestOutcome> all = run.Outcomes;
        RequestOutcome[] ok = all.Where(o => o.Succeeded).ToArray();
        long completion = ok.Sum(o => (long)o.OutputTokens);

        var errors = new SortedDictionary<string, int>(ErrorKeyOrder.Instance);
        var samples = new SortedDictionary<string, string>(ErrorKeyOrder.Instance);
        foreach (RequestOutcome failure in all.Where(o => !o.Succeeded))
        {
            string key = failure.ErrorKind ?? "unknown";
            errors[key] = errors.GetValueOrDefault(key) + 1;
            if (failure.ErrorMessage is { Length: > 0 } message) samples.TryAdd(key, message);
        }

        return new PhaseResult
        {
            Phase = run.Phase,
            Concurrency = run.Concurrency,
            Requests = all.Count,
            Succeeded = ok.Length,
            Errors = errors,
            ErrorSamples = samples,
            Wall = run.Wall,
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
