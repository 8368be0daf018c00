using QwenMesh.Model.Checkpoints;
using System.Diagnostics;
using QwenMesh.Engine.State;
using QwenMesh.Model;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Prefill;

/// <summary>
/// Prefills a batch of prompts: resumes sessions from the store, runs the prompts together through the model
/// (a bounded number of tokens per pass), saves session checkpoints, samples each first token and publishes
/// each sequence's state under a handoff lease for decode.
/// </summary>
public sealed class PrefillWorker(QwenModel model, StateCodec codec, IStateStore store, ModelGate gate, StateLimits limits)
{
    /// <summary>Tokens per forward pass across the batch: large enough to fill the matmuls, small enough to bound activations.</summary>
    public const int TokensPerPass = 8192;

    sealed record Saved(SequenceState? State, int[]? Tokens);

    sealed class Work(PrefillJob job, SequenceState state, int cached)
    {
        public PrefillJob Job { get; } = job;
        public SequenceState State { get; } = state;
        public int Cached { get; } = cached;
        /// <summary>Handed over in process: the receiver owns the state now.</summary>
        public bool HandedOver { get; set; }
    }

    public async Task<IReadOnlyList<PrefillOutcome>> RunAsync(IReadOnlyList<PrefillJob> jobs, CancellationToken cancellation = default)
    {
        foreach (PrefillJob job in jobs)
        {
            if (job.Tokens.Count == 0) throw new ArgumentException($"request {job.RequestId}: the prompt is empty");
            if (job.Tokens.Any(t => t < 0 || t >= model.Config.VocabSize))
                throw new ArgumentException($"request {job.RequestId}: a token id is outside the vocabulary [0, {model.Config.VocabSize})");
        }
        var work = new List<Work>();
        try
        {
            foreach (PrefillJob job in jobs) work.Add(await ResumeAsync(job, cancellation));
            long started = Stopwatch.GetTimestamp();

            // Up to the session checkpoint, then save it, so the next turn resumes from the end of this user turn.
            var checkpointed = work.Where(w => w.Job.SessionKey is not null && w.Job.CheckpointAt > w.Cached && w.Job.CheckpointAt < w.Job.Tokens.Count).ToList();
            RunPasses(checkpointed, w => w.Job.CheckpointAt);
            foreach (Work w in checkpointed)
            {
                var prefix = w.Job.Tokens.Take(w.Job.CheckpointAt).ToList();
                await store.WriteAsync(w.Job.SessionKey!, s => codec.WriteAsync(w.State, s, prefix, cancellation), limits.SessionTtl, cancellation);
            }
            Tensor[] logits = RunPasses(work, w => w.Job.Tokens.Count);
            double prefillMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            var outcomes = new List<PrefillOutcome>();
            for (int i = 0; i < work.Count; i++)
            {
                Work w = work[i];
                var sampler = new Sampler(w.Job.Sampling);
                int first = sampler.Next(TensorMemory.Rows(logits[i])[0]);
                logits[i].Dispose();
                long publishStart = Stopwatch.GetTimestamp();
                StateHandoff handoff;
                if (w.Job.Deliver)
                {
                    handoff = new StateHandoff.Delivered(w.State);
                    w.HandedOver = true;
                }
                else
                {
                    using Activity? publish = Telemetry.EngineTracing.Source.StartActivity("handoff publish", ActivityKind.Internal, w.Job.Trace);
                    publish?.SetTag(Telemetry.EngineTracing.StateBytes, w.State.Bytes);
                    StateKey key = StateKey.NewHandoff(w.Job.Tenant);
                    await store.WriteAsync(key, s => codec.WriteAsync(w.State, s, null, cancellation), limits.HandoffTtl, cancellation);
                    handoff = new StateHandoff.Published(key);
                }
                outcomes.Add(new PrefillOutcome(w.Job.RequestId, first, sampler.Draws, handoff, w.Cached, w.Job.Tokens.Count,
                    prefillMs, Stopwatch.GetElapsedTime(publishStart).TotalMilliseconds, w.State.Bytes));
            }
            return outcomes;
        }
        finally
        {
            foreach (Work w in work.Where(w => !w.HandedOver)) w.State.Dispose();
        }
    }

    /// <summary>Releases a handoff nobody will take (its caller went away while it was prefilled).</summary>
    public async Task DiscardAsync(PrefillOutcome outcome)
    {
        switch (outcome.Handoff)
        {
            case StateHandoff.Published published:
                await store.DeleteAsync(published.Key, CancellationToken.None);
                break;
            case StateHandoff.Delivered local:
                local.State.Dispose();
                break;
        }
    }

    /// <summary>The session's saved state when its tokens are a proper prefix of this prompt; otherwise a fresh state.</summary>
    async Task<Work> ResumeAsync(PrefillJob job, CancellationToken cancellation)
    {
        if (job.SessionKey is { } key)
        {
            bool Extends(int[]? saved) => saved is not null && saved.Length < job.Tokens.Count && saved.SequenceEqual(job.Tokens.Take(saved.Length));
            Saved? saved = null;
            try
            {
                saved = await store.ReadAsync(key, async s =>
                {
                    (SequenceState? state, int[]? tokens) = await codec.ReadAsync(s, Extends, cancellation);
                    return new Saved(state, tokens);
                }, consume: false, cancellation);
            }
            catch (StateFormatException)
            {
                // A session saved by another model or format is not an error for the request: it just starts over.
            }
            if (saved is { State: { } state, Tokens: { } tokens }) return new Work(job, state, tokens.Length);
        }
        return new Work(job, model.NewState(), 0);
    }

    /// <summary>
    /// Advances every sequence to <paramref name="target"/> tokens in passes of at most <see cref="TokensPerPass"/>
    /// tokens; returns, per sequence, the float32 logits [V] of its last token (the pass that finished it).
    /// </summary>
    Tensor[] RunPasses(IReadOnlyList<Work> work, Func<Work, int> target)
    {
        var last = new Tensor[work.Count];
        while (true)
        {
            var states = new List<SequenceState>();
            var tokens = new List<IReadOnlyList<int>>();
            var indices = new List<int>();
            int budget = TokensPerPass;
            for (int i = 0; i < work.Count && budget > 0; i++)
            {
                int left = target(work[i]) - work[i].State.Position;
                if (left <= 0) continue;
                int take = Math.Min(Math.Min(left, budget), QwenModel.MaxPrefillChunk);
                states.Add(work[i].State);
                tokens.Add(work[i].Job.Tokens.Skip(work[i].State.Position).Take(take).ToList());
                indices.Add(i);
                budget -= take;
            }
            if (states.Count == 0) return last;
            using Tensor logits = gate.Run(() => model.Prefill(states, tokens));
            for (int j = 0; j < indices.Count; j++)
            {
                int i = indices[j];
                if (work[i].State.Position != target(work[i])) continue;
                last[i]?.Dispose();
                last[i] = logits[j].clone().DetachFromDisposeScope();
            }
        }
    }
}
