using QwenMesh.LoadTest.Run;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Tests;

public sealed class GoodputTests
{
    static RequestOutcome Ok(double? ttft, params double[] gaps) =>
        new() { Succeeded = true, TtftMs = ttft, GapsMs = gaps, E2eMs = (ttft ?? 0) + gaps.Sum() };

    static readonly RequestOutcome Failed = RequestOutcome.Failure("429", "busy", 3, isLongPrompt: false);

    [Fact]
    public void A_request_must_succeed_and_meet_both_targets()
    {
        var policy = new GoodputPolicy(TtftTargetMs: 200, ItlTargetMs: 50);
        Assert.True(policy.IsGood(Ok(200, 10, 50, 20)));
        Assert.False(policy.IsGood(Ok(200.1, 10)));
        Assert.False(policy.IsGood(Ok(100, Enumerable.Repeat(10.0, 98).Append(500).Append(500).ToArray())));
        Assert.False(policy.IsGood(Failed));
    }

    [Fact]
    public void The_itl_target_applies_to_the_p99_within_the_request_not_its_worst_gap()
    {
        // 200 gaps of 10 ms and one of 1000 ms: the p99 (rank 198 of 0..200) is still 10 ms.
        double[] gaps = [.. Enumerable.Repeat(10.0, 200), 1000];
        Assert.Equal(10, Ok(5, gaps).ItlP99Ms!.Value, precision: 9);
        Assert.True(new GoodputPolicy(null, 20).IsGood(Ok(5, gaps)));
    }

    [Fact]
    public void No_first_token_fails_a_ttft_target_and_no_gaps_meet_any_itl_target()
    {
        Assert.False(new GoodputPolicy(1000, null).IsGood(Ok(null)));
        Assert.True(new GoodputPolicy(null, 1).IsGood(Ok(10)));
        Assert.True(new GoodputPolicy(null, null).IsGood(Ok(null)));
    }

    [Fact]
    public void Fraction_counts_every_attempt_and_rate_uses_wall_time()
    {
        var policy = new GoodputPolicy(TtftTargetMs: 100, ItlTargetMs: 30);
        RequestOutcome[] outcomes = [Ok(50, 10, 20), Ok(150, 10), Ok(90, 40, 40), Failed, Ok(99)];
        Goodput goodput = policy.Measure(outcomes, TimeSpan.FromSeconds(4));
        Assert.Equal(2, goodput.Good);
        Assert.Equal(0.4, goodput.Fraction, precision: 9);
        Assert.Equal(0.5, goodput.RatePerSecond, precision: 9);
    }

    [Fact]
    public void Phase_summary_counts_errors_by_status_and_tokens_from_usage()
    {
        RequestOutcome withUsage = Ok(100, 20, 20) with { Usage = new Api.TokenUsage(10, 9, 19, 4), TextDeltas = 3 };
        RequestOutcome withoutUsage = Ok(300, 20) with { TextDeltas = 2 };
        RequestOutcome[] outcomes =
        [
            withUsage, withoutUsage, Failed,
            RequestOutcome.Failure("503", null, 1, false), RequestOutcome.Failure("429", "again", 1, false),
            RequestOutcome.Failure(ErrorKinds.Timeout, "slow", 1, false),
        ];
        PhaseResult result = PhaseSummarizer.Summarize(
            new PhaseRun(0, 4, outcomes, TimeSpan.FromSeconds(2)), new GoodputPolicy(200, null), mixedLoad: false);

        Assert.Equal(2, result.Succeeded);
        Assert.Equal(2, result.Refused);
        Assert.Equal(2, result.Failed);
        Assert.Equal([("503", 1), ("timeout", 1)], result.Errors.Select(e => (e.Key, e.Value)));
        Assert.Equal(2, result.Refusals["other"]);
        Assert.Equal("busy", result.RefusalSamples["other"]);
        Assert.Null(result.Tenants);
        Assert.Equal(11, result.CompletionTokens);
        Assert.Equal(4, result.CachedTokens);
        Assert.Equal(1, result.RequestsWithoutUsage);
        Assert.Equal(5.5, result.ThroughputTokensPerSecond, precision: 9);
        Assert.Equal(200, result.TtftMs!.P50, precision: 9);
        Assert.Equal(3, result.ItlMs!.Count);
        Assert.Equal(1, result.Goodput.Good);
        Assert.Equal(1.0 / 6, result.Goodput.Fraction, precision: 9);
    }
}
