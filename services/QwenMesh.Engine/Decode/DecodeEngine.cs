using System.Collections.Concurrent;
using QwenMesh.Model;
using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;
using QwenMesh.Text.Grammar;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Decode;

/// <summary>
/// Continuous batching: one loop thread owns the running batch; at every step waiting sequences join (while the
/// batch and the state-memory budget allow) and finished or cancelled ones leave, releasing their state at once.
/// </summary>
public sealed class DecodeEngine : IDisposable
{
    readonly QwenModel _model;
    readonly ModelGate _gate;
    readonly DecodeOptions _options;
    readonly IDecodeObserver? _observer;
    readonly ConcurrentQueue<DecodeSequence> _waiting = new();
    readonly List<DecodeSequence> _running = [];
    readonly SemaphoreSlim _wake = new(0);
    readonly CancellationTokenSource _stop = new();
    readonly Thread _loop;
    readonly long _kvBytesPerToken;
    long _reservedBytes;
    int _waitingCount;
    int _runningCount;

    public DecodeEngine(QwenModel model, ModelGate gate, DecodeOptions options, IDecodeObserver? observer = null)
    {
        _model = model;
        _gate = gate;
        _options = options;
        _observer = observer;
        _kvBytesPerToken = SequenceState.KvBytesPerToken(model.Config, model.DType);
        _loop = new Thread(Loop) { IsBackground = true, Name = "decode-loop" };
        // The loop serves every request: it must not inherit the span (or anything else) of the request that created it.
        using (ExecutionContext.SuppressFlow()) _loop.Start();
    }

    /// <summary>Sequences in the running batch.</summary>
    public int Running => Volatile.Read(ref _runningCount);

    /// <summary>Sequences waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waitingCount);

    /// <summary>State bytes reserved by admitted and waiting sequences.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reservedBytes);

    /// <summary>The state-memory budget <see cref="ReservedBytes"/> counts against.</summary>
    public long StateMemoryBytes => _options.StateMemoryBytes;

    /// <summary>Decode steps that failed as a batch and were retried sequence by sequence.</summary>
    public int RecoveredSteps => Volatile.Read(ref _recoveredSteps);
    int _recoveredSteps;

    /// <summary>Throws <see cref="EngineOverloadedException"/> when a new sequence would be refused: callers check before spending a prefill.</summary>
    public void EnsureCapacity()
    {
        if (Waiting >= _options.MaxQueued) throw Overloaded();
    }

    EngineOverloadedException Overloaded() => new($"decode queue is full ({_options.MaxQueued} waiting)", TimeSpan.FromSeconds(1));

    /// <summary>
    /// Takes over <paramref name="state"/> (prefilled from <paramref name="prompt"/>, with <paramref name="firstToken"/> sampled
    /// but not yet fed) and generates up to <paramref name="maxTokens"/> tokens in total, the first one included. With the prompt,
    /// a sequence caught in a failed step is rebuilt and retried alone instead of failing with the batch.
    /// Throws <see cref="EngineOverloadedException"/> when the queue or the memory budget is full; the state is then not taken.
    /// </summary>
    public DecodeSequence Submit(SequenceState state, IReadOnlyList<int>? prompt, int firstToken, SamplingParams sampling, int samplerDraws, int maxTokens,
        IReadOnlySet<int> stopTokens, CancellationToken cancellation)
    {
        DecodeSequence sequence = Reserve(state, maxTokens, need => new DecodeSequence(state, prompt, new Sampler(sampling, samplerDraws), maxTokens, stopTokens, need, cancellation));
        if (sequence.Emit(firstToken))
        {
            Interlocked.Decrement(ref _waitingCount);
            sequence.Complete();
            return sequence;
        }
        _waiting.Enqueue(sequence);
        _wake.Release();
        return sequence;
    }

    /// <summary>
    /// Takes over <paramref name="state"/> prefilled from all of <paramref name="prompt"/> but its last token, which the
    /// first step feeds, so that every generated token is sampled here: under <paramref name="constraint"/> (a grammar
    /// prefill knows nothing of), with penalties over the sequence's tokens. Otherwise as <see cref="Submit"/>.
    /// </summary>
    public DecodeSequence SubmitHeldBack(SequenceState state, IReadOnlyList<int> prompt, SamplingParams sampling, GrammarConstraint? constraint, int maxTokens,
        IReadOnlySet<int> stopTokens, CancellationToken cancellation)
    {
        if (prompt.Count == 0) throw new ArgumentException("a held-back prompt needs a token to hold back");
        DecodeSequence sequence = Reserve(state, maxTokens,
            need => new DecodeSequence(state, prompt, new Sampler(sampling, 0, constraint, prompt), maxTokens, stopTokens, need, cancellation, heldBack: true));
        _waiting.Enqueue(sequence);
        _wake.Release();
        return sequence;
    }

    // Checks the budgets and counts the sequence as waiting.
    DecodeSequence Reserve(SequenceState state, int maxTokens, Func<long, DecodeSequence> create)
    {
        if (maxTokens < 1) throw new ArgumentException("max tokens must be >= 1");
        long need = state.Bytes + (long)maxTokens * _kvBytesPerToken;
        if (need > _options.StateMemoryBytes)
            throw new ArgumentException($"the sequence needs {need >> 20} MiB of state, more than the engine's {_options.StateMemoryBytes >> 20} MiB");
        if (Interlocked.Increment(ref _waitingCount) > _options.MaxQueued)
        {
            Interlocked.Decrement(ref _waitingCount);
            throw Overloaded();
        }
        return create(need);
    }

    void Loop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Admit();
                DropCancelled();
                Volatile.Write(ref _runningCount, _running.Count);
                if (_running.Count == 0)
                {
                    _wake.Wait(_stop.Token);
                    continue;
                }
                Step();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (DecodeSequence s in _running) s.Complete(new ObjectDisposedException(nameof(DecodeEngine)));
            while (_waiting.TryDequeue(out DecodeSequence? s)) s.Complete(new ObjectDisposedException(nameof(DecodeEngine)));
        }
    }

    /// <summary>Moves waiting sequences into the batch while there is a slot and state memory for them.</summary>
    void Admit()
    {
        while (_running.Count < _options.MaxBatch && _waiting.TryPeek(out DecodeSequence? next))
        {
            if (_running.Count > 0 && ReservedBytes + next.ReservedBytes > _options.StateMemoryBytes) return;
            _waiting.TryDequeue(out _);
            Interlocked.Decrement(ref _waitingCount);
            Interlocked.Add(ref _reservedBytes, next.ReservedBytes);
            next.Admitted();
            _running.Add(next);
        }
    }

    void DropCancelled()
    {
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            DecodeSequence s = _running[i];
            if (!s.Cancellation.IsCancellationRequested) continue;
            Leave(i, new OperationCanceledException(s.Cancellation));
        }
    }

    void Step()
    {
        var states = _running.Select(s => s.State).ToList();
        var inputs = _running.Select(s => s.LastToken).ToList();
        float[][] rows;
        try
        {
            rows = _gate.Run(() =>
            {
                using Tensor logits = _model.Decode(states, inputs);
                return TensorMemory.Rows(logits);
            });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Every state in a failed step may be half-updated. Rebuild each from its tokens and step it alone:
            // a transient fault costs one slow step, and a sequence that cannot be stepped fails without its neighbours.
            Interlocked.Increment(ref _recoveredSteps);
            for (int i = _running.Count - 1; i >= 0; i--) Recover(i, e);
            return;
        }
        _observer?.Stepped(rows.Length);
        for (int i = _running.Count - 1; i >= 0; i--) Sample(i, rows[i]);
    }

    // A sequence whose sampling fails (its constraint refuses every token) ends alone; the loop goes on.
    void Sample(int index, float[] row)
    {
        DecodeSequence s = _running[index];
        int token;
        try
        {
            token = s.Sampler.Next(row);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            Leave(index, e);
            return;
        }
        if (s.Emit(token, s.Sampler.LastLogprob)) Leave(index, null);
    }

    void Recover(int index, Exception stepError)
    {
        DecodeSequence s = _running[index];
        if (s.Prompt is null)
        {
            Leave(index, stepError);
            return;
        }
        try
        {
            (SequenceState rebuilt, float[] row) = _gate.Run(() =>
            {
                SequenceState fresh = _model.NewState();
                try
                {
                    _model.Prefill(fresh, s.Consumed).Dispose();
                    using Tensor logits = _model.Decode([fresh], [s.LastToken]);
                    return (fresh, TensorMemory.Rows(logits)[0]);
                }
                catch
                {
                    fresh.Dispose();
                    throw;
                }
            });
            s.Replace(rebuilt);
            Sample(index, row);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Leave(index, e);
        }
    }

    void Leave(int index, Exception? error)
    {
        DecodeSequence s = _running[index];
        _running.RemoveAt(index);
        Interlocked.Add(ref _reservedBytes, -s.ReservedBytes);
        s.Complete(error);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Join();
        _stop.Dispose();
        _wake.Dispose();
    }
}
