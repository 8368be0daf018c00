using System.Threading.Channels;
using QwenMesh.Engine.State;

namespace QwenMesh.Engine.Prefill;

/// <summary>
/// Batches prefill across requests: concurrent callers enqueue their jobs, and one loop takes everything waiting
/// (up to a token budget) and runs it as a single <see cref="PrefillWorker"/> batch, so many short prompts share
/// each forward pass instead of queueing one by one on the model.
/// </summary>
public sealed class PrefillQueue : IAsyncDisposable
{
    /// <summary>Prompt tokens gathered into one batch at most (one long prompt still runs alone).</summary>
    public const int BatchTokens = 16384;

    sealed record Pending(PrefillJob Job, TaskCompletionSource<PrefillOutcome> Result, CancellationToken Cancellation);

    readonly PrefillWorker _worker;
    readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;

    public PrefillQueue(PrefillWorker worker)
    {
        _worker = worker;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Runs the jobs (in whatever batches the queue forms) and returns their outcomes in the given order.</summary>
    public Task<PrefillOutcome[]> RunAsync(IReadOnlyList<PrefillJob> jobs, CancellationToken cancellation)
    {
        var results = jobs.Select(job =>
        {
            var result = new TaskCompletionSource<PrefillOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_pending.Writer.TryWrite(new Pending(job, result, cancellation))) result.SetException(new ObjectDisposedException(nameof(PrefillQueue)));
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
            while ((batch.Count == 0 || tokens < BatchTokens) && _pending.Reader.TryRead(out Pending? next))
            {
                if (next.Cancellation.IsCancellationRequested)
                {
                    next.Result.TrySetCanceled(next.Cancellation);
                    continue;
                }
                batch.Add(next);
                tokens += next.Job.Tokens.Count;
            }
            if (batch.Count == 0) continue;
            try
            {
                var outcomes = await _worker.RunAsync(batch.Select(p => p.Job).ToList(), _stop.Token);
                for (int i = 0; i < batch.Count; i++) await DeliverAsync(batch[i], outcomes[i]);
            }
            catch (Exception e)
            {
                // One bad prompt must not fail its neighbours: rerun them alone when the batch fails as a whole.
                if (batch.Count == 1) batch[0].Result.TrySetException(e);
                else foreach (Pending p in batch) await RunAloneAsync(p);
            }
        }
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
