using System.Diagnostics;
using System.Threading.Channels;
using QwenMesh.Engine.State;
using QwenMesh.Engine.Telemetry;

namespace QwenMesh.Engine.Prefill;

/// <summary>
/// Batches prefill across requests: concurrent callers enqueue their jobs, and one loop takes everything waiting
/// (up to a token budget) and runs it as a single <see cref="PrefillWorker"/> batch, so many short prompts share
/// each forward pass instead of queueing one by one on the model.
/// </summary>
public sealed class PrefillQueue : IAsyncDisposable
{
    sealed record Pending(PrefillJob Job, TaskCompletionSource<PrefillOutcome> Result, CancellationToken Cancellation)
    {
        public long Enqueued { get; } = Stopwatch.GetTimestamp();
        public DateTimeOffset EnqueuedAt { get; } = DateTimeOffset.UtcNow;
    }

    readonly PrefillWorker _worker;
    readonly PrefillOptions _options;
    readonly IPrefillObserver? _observer;
    readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;
    int _queuedRequests;
    long _queuedTokens;

    public PrefillQueue(PrefillWorker worker, PrefillOptions options, IPrefillObserver? observer = null)
    {
        _worker = worker;
        _options = options;
        _observer = observer;
        // The loop serves every request: it must not inherit the span of the request that created it.
        using (ExecutionContext.SuppressFlow()) _loop = Task.Run(LoopAsync);
    }

    /// <summary>Prompts waiting for a batch.</summary>
    public int QueuedRequests => Volatile.Read(ref _queuedRequests);

    /// <summary>Prompt tokens waiting for a batch.</summary>
    public long QueuedTokens => Interlocked.Read(ref _queuedTokens);

    /// <summary>Runs the jobs (in whatever batches the queue forms) and returns their outcomes in the given order.</summary>
    public Task<PrefillOutcome[]> RunAsync(IReadOnlyList<PrefillJob> jobs, CancellationToken cancellation)
    {
        var results = jobs.Select(job =>
        {
            var result = new TaskCompletionSource<PrefillOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Increment(ref _queuedRequests);
            Interlocked.Add(ref _queuedTokens, job.Tokens.Count);
            if (!_pending.Writer.TryWrite(new Pending(job, result, cancellation)))
            {
                Dequeued(job);
                result.SetException(new ObjectDisposedException(nameof(PrefillQueue)));
            }
            return result.Task;
        }).ToList();
        return Task.WhenAll(results);
    }

    async Task LoopAsync()
    {
        while (await _pending.Reader.WaitToReadAsync(_stop.Token))
        {
            var batch = new List<Pending>();
            int tokens = 0;
            while ((batch.Count == 0 || tokens < _options.BatchTokens) && _pending.Reader.TryRead(out Pending? next))
            {
                Dequeued(next.Job);
                if (next.Cancellation.IsCancellationRequested)
                {
                    next.Result.TrySetCanceled(next.Cancellation);
                    continue;
                }
                batch.Add(next);
                tokens += next.Job.Tokens.Count;
            }
            if (batch.Count == 0) continue;
            long started = Stopwatch.GetTimestamp();
            foreach (Pending p in batch) QueueSpan(p);
            // The batch is its first job's child and linked to the others: one trace per request shows its prefill.
            using Activity? span = EngineTracing.Source.StartActivity("prefill batch", ActivityKind.Internal, batch[0].Job.Trace,
                links: batch.Skip(1).Select(p => new ActivityLink(p.Job.Trace)));
            span?.SetTag(EngineTracing.BatchSize, batch.Count);
            span?.SetTag(EngineTracing.BatchTokens, tokens);
            try
            {
                var outcomes = await _worker.RunAsync(batch.Select(p => p.Job).ToList(), _stop.Token);
                _observer?.Batch(batch.Count, Stopwatch.GetElapsedTime(started), outcomes);
                for (int i = 0; i < batch.Count; i++)
                    await DeliverAsync(batch[i], outcomes[i] with { QueueMs = Stopwatch.GetElapsedTime(batch[i].Enqueued, started).TotalMilliseconds });
            }
            catch (Exception e)
            {
                // One bad prompt must not fail its neighbours: rerun them alone when the batch fails as a whole.
                if (batch.Count == 1) batch[0].Result.TrySetException(e);
                else foreach (Pending p in batch) await RunAloneAsync(p);
            }
        }
    }

    void Dequeued(PrefillJob job)
    {
        Interlocked.Decrement(ref _queuedRequests);
        Interlocked.Add(ref _queuedTokens, -job.Tokens.Count);
    }

    /// <summary>The time a job waited, as a span of its request's trace (the first part of its TTFT).</summary>
    static void QueueSpan(Pending p)
    {
        if (p.Job.Trace == default) return;
        EngineTracing.Source.StartActivity("prefill queue", ActivityKind.Internal, p.Job.Trace, startTime: p.EnqueuedAt)?.Stop();
    }

    async Task RunAloneAsync(Pending p)
    {
        try
        {
            await DeliverAsync(p, (await _worker.RunAsync([p.Job], _stop.Token))[0]);
        }
        catch (Exception e)
        {
            p.Result.TrySetException(e);
        }
    }

    /// <summary>
    /// Hands the outcome to its caller; a caller that went away while its prompt ran gets nothing, and its published
    /// state is deleted at once instead of waiting out the handoff TTL.
    /// </summary>
    async Task DeliverAsync(Pending p, PrefillOutcome outcome)
    {
        if (!p.Cancellation.IsCancellationRequested && p.Result.TrySetResult(outcome)) return;
        p.Result.TrySetCanceled(p.Cancellation);
        try
        {
            await _worker.DiscardAsync(outcome);
        }
        catch (StateStoreUnavailableException)
        {
            // The store is down: the handoff expires with its TTL.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
