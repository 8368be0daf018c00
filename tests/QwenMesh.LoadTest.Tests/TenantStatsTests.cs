using System.Net;
using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Run;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Tests;

public sealed class TenantStatsTests
{
    static readonly Tenant Alice = new("alice", "sk-a", 3);
    static readonly Tenant Bob = new("bob", "sk-b", 1);

    [Theory]
    [InlineData(new[] { 3.0, 1.0 }, 8, new[] { 6, 2 })]
    [InlineData(new[] { 1.0, 1.0, 1.0 }, 10, new[] { 4, 3, 3 })]
    [InlineData(new[] { 0.5, 0.25, 0.25 }, 7, new[] { 3, 2, 2 })]
    [InlineData(new[] { 2.0, 1.0 }, 1, new[] { 1, 0 })]
    [InlineData(new[] { 1.0, 1000.0 }, 100, new[] { 0, 100 })]
    public void Counts_follow_the_weights_by_largest_remainder(double[] weights, int requests, int[] expected)
    {
        Assert.Equal(expected, TenantSchedule.Counts(weights, requests));
    }

    [Fact]
    public void A_schedule_holds_each_tenant_its_share_in_an_order_fixed_by_seed_and_phase()
    {
        IReadOnlyList<Tenant?> a = new TenantSchedule([Alice, Bob], seed: 7).For(0, 40);
        Assert.Equal(30, a.Count(t => t == Alice));
        Assert.Equal(10, a.Count(t => t == Bob));
        Assert.Equal(a, new TenantSchedule([Alice, Bob], seed: 7).For(0, 40));
        Assert.NotEqual(a, new TenantSchedule([Alice, Bob], seed: 8).For(0, 40));
        Assert.NotEqual(a, new TenantSchedule([Alice, Bob], seed: 7).For(1, 40));
        // Shuffled, not all of alice first.
        Assert.Contains(Bob, a.Take(30));
    }

    [Fact]
    public void Without_tenants_every_request_goes_without_one()
    {
        Assert.All(new TenantSchedule([], 1).For(0, 5), t => Assert.Null(t));
        Assert.Equal(5, new TenantSchedule([], 1).For(0, 5).Count);
    }

    [Fact]
    public void A_conversation_keeps_the_tenant_of_its_first_turn()
    {
        var user = new VirtualUser(new WorkloadPlan(new LoadOptions { Sessions = true }), "r-p0-u0", 0, sessions: true, turnsPerSession: 2);
        Assert.Equal(Alice, user.Next(0, Alice).Tenant);
        user.Record(new RequestOutcome { Succeeded = true, ReplyText = "ok" });
        Assert.Equal(Alice, user.Next(1, Bob).Tenant);
        user.Record(new RequestOutcome { Succeeded = true, ReplyText = "ok" });
        Assert.Equal(Bob, user.Next(2, Bob).Tenant);
    }

    [Theory]
    [InlineData(new[] { 5.0, 5.0, 5.0 }, 1.0)]
    [InlineData(new[] { 9.0, 0.0, 0.0 }, 1.0 / 3)]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, 36.0 / 42)]
    [InlineData(new[] { 5.0, 10.0 }, 0.9)]
    [InlineData(new[] { 4.0 }, 1.0)]
    public void Jain_index_is_squared_sum_over_n_times_sum_of_squares(double[] allocations, double expected)
    {
        Assert.Equal(expected, JainFairness.Index(allocations)!.Value, precision: 12);
    }

    [Fact]
    public void Jain_index_of_nothing_is_null()
    {
        Assert.Null(JainFairness.Index([]));
        Assert.Null(JainFairness.Index([0.0, 0.0]));
    }

    static RequestOutcome Ok(string tenant, int tokens, double ttft) =>
        new() { Succeeded = true, Tenant = tenant, TtftMs = ttft, E2eMs = ttft + 10, TextDeltas = tokens };

    [Fact]
    public void A_phase_summary_splits_requests_by_tenant_and_weighs_fairness_by_weight()
    {
        RequestOutcome[] outcomes =
        [
            Ok("alice", 10, 100), Ok("alice", 10, 300), Ok("alice", 10, 200),
            Ok("bob", 5, 50),
            RequestOutcome.Refused(RateLimitRefusal.Tokens, "slow down", 1, false) with { Tenant = "bob", Retries = 2 },
            RequestOutcome.Refused(RateLimitRefusal.InsufficientQuota, "spent", 1, false) with { Tenant = "bob" },
            RequestOutcome.Failure("503", "draining", 1, false) with { Tenant = "bob" },
        ];
        PhaseResult result = PhaseSummarizer.Summarize(
            new PhaseRun(0, 2, outcomes, TimeSpan.FromSeconds(5)), new GoodputPolicy(null, null), mixedLoad: false, [Alice, Bob, new Tenant("carol", "sk-c", 2)]);

        Assert.Equal(4, result.Succeeded);
        Assert.Equal(2, result.Refused);
        Assert.Equal(1, result.Failed);
        Assert.Equal([("503", 1)], result.Errors.Select(e => (e.Key, e.Value)));
        Assert.Equal([("requests", 0), ("tokens", 1), ("insufficient_quota", 1)], result.Refusals.Select(e => (e.Key, e.Value)));
        Assert.Equal(2, result.Retries);

        TenantResult alice = result.Tenants![0];
        Assert.Equal(("alice", 3, 3, 0, 0, 30L), (alice.Name, alice.Requests, alice.Succeeded, alice.Refused, alice.Failed, alice.CompletionTokens));
        Assert.Equal(200, alice.TtftMs!.P50, precision: 9);
        Assert.Equal(6, alice.ThroughputTokensPerSecond, precision: 9);

        TenantResult bob = result.Tenants[1];
        Assert.Equal((4, 1, 2, 1, 2, 5L), (bob.Requests, bob.Succeeded, bob.Refused, bob.Failed, bob.Retries, bob.CompletionTokens));
        Assert.Equal(1, bob.Refusals[RateLimitRefusal.Tokens]);
        Assert.Equal(1, bob.Refusals[RateLimitRefusal.InsufficientQuota]);
        Assert.Equal(0, bob.Refusals[RateLimitRefusal.Requests]);

        TenantResult carol = result.Tenants[2];
        Assert.Equal((0, 0L), (carol.Requests, carol.CompletionTokens));
        Assert.Null(carol.TtftMs);

        // tokens / weight: alice 30/3 = 10, bob 5/1 = 5, carol 0/2 = 0 -> 15^2 / (3 * 125) = 0.6.
        Assert.Equal(0.6, result.JainFairnessIndex!.Value, precision: 12);
    }

    [Theory]
    [InlineData("""{"error":{"message":"x","type":"requests","code":"rate_limit_exceeded"}}""", "requests")]
    [InlineData("""{"error":{"message":"x","type":"tokens","code":"rate_limit_exceeded"}}""", "tokens")]
    [InlineData("""{"error":{"message":"x","type":"insufficient_quota","code":"insufficient_quota"}}""", "insufficient_quota")]
    [InlineData("""{"error":{"message":"x","type":"invalid_request_error","code":"insufficient_quota"}}""", "insufficient_quota")]
    [InlineData("""{"error":{"message":"queue full","type":"server_error"}}""", "other")]
    [InlineData("""{"error":"busy"}""", "other")]
    [InlineData("<html>Too Many Requests</html>", "other")]
    [InlineData("", "other")]
    public void A_429_body_names_its_kind(string body, string expected)
    {
        Assert.Equal(expected, RateLimitRefusal.Classify(body));
    }

    [Fact]
    public void Retry_after_ms_is_preferred_over_retry_after()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "3");
        Assert.Equal(TimeSpan.FromSeconds(3), RetryAfter.From(response.Headers, DateTimeOffset.UtcNow));
        response.Headers.TryAddWithoutValidation("retry-after-ms", "250.5");
        Assert.Equal(TimeSpan.FromMilliseconds(250.5), RetryAfter.From(response.Headers, DateTimeOffset.UtcNow));

        using var bad = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        bad.Headers.TryAddWithoutValidation("retry-after-ms", "soon");
        Assert.Null(RetryAfter.From(bad.Headers, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Redaction_replaces_an_echoed_key()
    {
        Assert.Equal("Incorrect API key provided: [key].", ApiHttp.Redact("Incorrect API key provided: sk-live-1.", "sk-live-1"));
        Assert.Equal("busy", ApiHttp.Redact("busy", null));
        Assert.Null(ApiHttp.Redact(null, "sk"));
    }
}
