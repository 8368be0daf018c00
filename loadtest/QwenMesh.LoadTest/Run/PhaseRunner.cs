using System.Diagnostics;

namespace QwenMesh.LoadTest.Run;

/// <summary>
/// Runs one phase as a closed loop: a fixed number of virtual users each send a request, wait for it to
/// finish, then take the next, until the phase's request count is used up. With <paramref name="retry429"/> a
/// request refused with 429 is sent again, up to that many times, after the wait the server asked for.
/// </summary>
public sealed class PhaseRunner(
    ChatStreamRunner runner, WorkloadPlan plan, TenantSchedule tenants, string runId, bool sessions, int turnsPerSession,
    TimeSpan maxBackoff, int retry429 = 0)
{
    /// <summary>The wait before a retry when a 429 names none.</summary>
    public static readonly TimeSpan DefaultRetryWait = TimeSpan.FromSeconds(1);

    public async Task<PhaseRun> RunAsync(int phase, int concurrency, int requests, CancellationToken cancellationToken)
    {
        var outcomes = new RequestOutcome?[requests];
        IReadOnlyList<Options.Tenant?> schedule = tenants.For(phase, requests);
        int next = -1;
        long startedAt = Stopwatch.GetTimestamp();
        long lastEndedAt = startedAt;

        async Task UserLoop(int user)
        {
            var virtualUser = new VirtualUser(plan, $"{runId}-p{phase}-u{user}", phase, sessions, turnsPerSession);
            TimeSpan backoff = TimeSpan.Zero;
            int index;
            while ((index = Interlocked.Increment(ref next)) < requests)
            {
                // Honouring Retry-After before the next request (not after the last) keeps it out of the wall time
                // when there is no next request; it is capped so a huge value cannot stall the run.
                if (backoff > TimeSpan.Zero) await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                RequestOutcome outcome = await SendAsync(virtualUser.Next(index, schedule[index]), startedAt, cancellationToken).ConfigureAwait(false);
                outcomes[index] = outcome;
                virtualUser.Record(outcome);
                StoreLatest(ref lastEndedAt, Stopwatch.GetTimestamp());
                backoff = outcome.RetryAfter is { } wait ? (wait < maxBackoff ? wait : maxBackoff) : TimeSpan.Zero;
            }
        }

        int users = Math.Min(concurrency, requests);
        await Task.WhenAll(Enumerable.Range(0, users).Select(user => Task.Run(() => UserLoop(user), cancellationToken))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        TimeSpan wall = Stopwatch.GetElapsedTime(startedAt, Volatile.Read(ref lastEndedAt));
        return new PhaseRun(phase, concurrency, outcomes.Select(o => o!).ToArray(), wall);
    }

    async Task<RequestOutcome> SendAsync(ChatTurn turn, long phaseStartedAt, CancellationToken cancellationToken)
    {
        double sentAt = Stopwatch.GetElapsedTime(phaseStartedAt).TotalMilliseconds;
        RequestOutcome outcome = await runner.RunAsync(turn, cancellationToken).ConfigureAwait(false);
        int retries = 0;
        // A spent quota does not come back within a run, so retrying insufficient_quota would only add load.
        while (retries < retry429 && outcome.IsRefusal && outcome.RefusalKind != Api.RateLimitRefusal.InsufficientQuota)
        {
            TimeSpan wait = outcome.RetryAfter ?? DefaultRetryWait;
            await Task.Delay(wait < maxBackoff ? wait : maxBackoff, cancellationToken).ConfigureAwait(false);
            sentAt = Stopwatch.GetElapsedTime(phaseStartedAt).TotalMilliseconds;
            outcome = await runner.RunAsync(turn, cancellationToken).ConfigureAwait(false);
            retries++;
        }
        return outcome with { Retries = retries, SentAtMs = sentAt };
    }

    static void StoreLatest(ref long target, long value)
    {
        long seen = Volatile.Read(ref target);
        while (value > seen)
        {
            long previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}
