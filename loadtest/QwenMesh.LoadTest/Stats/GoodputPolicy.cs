using QwenMesh.LoadTest.Run;

namespace QwenMesh.LoadTest.Stats;

/// <summary>
/// Decides which requests count as goodput: a request is good when it succeeded, its first token came
/// within the TTFT target, and the 99th percentile of its own inter-token gaps is within the ITL target.
/// A target left unset constrains nothing; a request with fewer than two deltas has no gaps and so
/// meets any ITL target.
/// </summary>
public sealed record GoodputPolicy(double? TtftTargetMs, double? ItlTargetMs)
{
    public bool HasTargets => TtftTargetMs is not null || ItlTargetMs is not null;

    public bool IsGood(RequestOutcome outcome)
    {
        if (!outcome.Succeeded) return false;
        if (TtftTargetMs is { } ttftTarget && !(outcome.TtftMs <= ttftTarget)) return false;
        if (ItlTargetMs is { } itlTarget && outcome.ItlP99Ms is { } itlP99 && itlP99 > itlTarget) return false;
        return true;
    }

    /// <summary>Good requests as a fraction of all attempted, and per second of the phase's wall time.</summary>
    public Goodput Measure(IReadOnlyCollection<RequestOutcome> outcomes, TimeSpan wall)
    {
        int good = outcomes.Count(IsGood);
        double fraction = outcomes.Count == 0 ? 0 : (double)good / outcomes.Count;
        double rate = wall > TimeSpan.Zero ? good / wall.TotalSeconds : 0;
        return new Goodput(good, fraction, rate);
    }
}

/// <summary>How many requests met the goodput targets, as a count, a fraction of attempts and a rate.</summary>
public sealed record Goodput(int Good, double Fraction, double RatePerSecond);
