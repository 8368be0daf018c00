using QwenMesh.Decode.Admission;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Decode.Prefill;
using QwenMesh.Engine.Decode;
using QwenMesh.Engine.Prefill;
using QwenMesh.Engine.State;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// A started generation: its token stream, the prompt accounting for usage, and what the first token cost
/// (prefill queue wait, prefill time, publish + take-over time, state size), reported in x-qwenmesh-* headers and metrics,
/// and its fair-admission slot, which the caller releases when the request ends.
/// </summary>
public sealed record RunningCompletion(IReadOnlyList<DecodeSequence> Choices, int PromptTokens, int CachedTokens, double QueueMs, double PrefillMs, double HandoffMs, long StateBytes,
    string? PrefillPod, AdmissionSlot Slot)
{
    /// <summary>The first (with n = 1 the only) choice's sequence.</summary>
    public DecodeSequence Sequence => Choices[0];

    /// <summary>Tokens the engine generated for every choice.</summary>
    public int Generated => Choices.Sum(c => c.Generated);

    /// <summary>Frees the admission slot once the sequences are dropped, its tenant charged for every token the engine generated.</summary>
    public void Release() => Slot.Release(Generated);
}

/// <summary>
/// Runs one generation end to end: wait for the tenant's fair turn, prefill (remote or local), take over the handed-off
/// state (consuming its lease), and join the continuous batch. Failures map to OpenAI errors; neither a state nor an
/// admission slot is ever left behind on an error path.
/// </summary>
public sealed class CompletionRunner(FairAdmission admission, IPrefillClient prefill, IStateStore store, StateCodec codec, DecodeEngine engine)
{
    /// <param name="choiceCancellations">
    /// With several choices, one token per choice: each ends its own sequence (a stop string in one choice ends only
    /// it). Otherwise <paramref name="cancellation"/> ends the one sequence.
    /// </param>
    public async Task<RunningCompletion> StartAsync(CompletionPlan plan, RequestTelemetry telemetry, CancellationToken cancellation,
        IReadOnlyList<CancellationToken>? choiceCancellations = null)
    {
        // In front of prefill: a saturated pod spends its next prefill on the tenant served least, not the first to ask.
        AdmissionSlot slot = await admission.EnterAsync(plan.Tenant, plan.Weight, plan.Prompt.Count, cancellation);
        try
        {
            return await RunAsync(plan, slot, telemetry, cancellation, choiceCancellations);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    async Task<RunningCompletion> RunAsync(CompletionPlan plan, AdmissionSlot slot, RequestTelemetry telemetry, CancellationToken cancellation,
        IReadOnlyList<CancellationToken>? choiceCancellations)
    {
        try
        {
            // Refuse before spending a prefill on a request the decode queue could not take.
            engine.EnsureCapacity();
        }
        catch (EngineOverloadedException e)
        {
            throw OpenAiException.Overloaded(e.RetryAfter);
        }
        // Prefill's own sample is dropped when decode samples every token (see CompletionPlan.SampledInDecode).
        bool heldBack = plan.SampledInDecode;
        if (heldBack && plan.Prompt.Count < 2)
        {
            throw OpenAiException.BadRequest("A constrained or penalised answer needs a prompt of at least 2 tokens.", "messages");
        }
        var ask = heldBack
            ? new PrefillAsk(plan.Tenant, plan.Prompt.Take(plan.Prompt.Count - 1).ToList(), SamplingParams.Greedy, plan.SessionId, plan.CheckpointAt)
            : new PrefillAsk(plan.Tenant, plan.Prompt, plan.Sampling, plan.SessionId, plan.CheckpointAt);
        PrefillReply reply = await prefill.PrefillAsync(ask, cancellation);
        long takeOver = System.Diagnostics.Stopwatch.GetTimestamp();
        SequenceState? state = reply.Handoff switch
        {
            StateHandoff.Delivered local => local.State,
            StateHandoff.Published published => await TakeOverAsync(published.Key, telemetry, cancellation),
            _ => throw new InvalidOperationException($"unknown handoff {reply.Handoff.GetType().Name}"),
        };
        if (state is null)
        {
            telemetry.HandoffFailed("expired");
            throw OpenAiException.ServerError("the prefilled state expired before decode could take it over");
        }
        var choices = new List<DecodeSequence>(plan.Choices);
        var forks = new List<SequenceState>();
        try
        {
            double handoffMs = reply.PublishMs + System.Diagnostics.Stopwatch.GetElapsedTime(takeOver).TotalMilliseconds;
            long bytes = state.Bytes;
            // Every choice continues the same prefilled state: copies first, so a failed copy leaves nothing submitted.
            for (int i = 1; i < plan.Choices; i++) forks.Add(state.Copy());
            if (!heldBack)
            {
                choices.Add(engine.Submit(state, plan.Prompt, reply.FirstToken, plan.Sampling, reply.SamplerDraws, plan.MaxTokens, plan.StopTokens, cancellation));
            }
            else
            {
                SequenceState[] states = [state, .. forks];
                for (int i = 0; i < states.Length; i++)
                {
                    // Seeded choices differ from each other and stay reproducible: choice i draws from seed + i.
                    var sampling = plan.Sampling.Seed is { } seed ? plan.Sampling with { Seed = unchecked(seed + (ulong)i) } : plan.Sampling;
                    choices.Add(engine.SubmitHeldBack(states[i], plan.Prompt, sampling, plan.Constraints is { Count: > 0 } c ? c[i] : null, plan.MaxTokens,
                        plan.StopTokens, choiceCancellations?[i] ?? cancellation));
                }
            }
            int promptTokens = reply.PromptTokens + (heldBack ? 1 : 0);
            var run = new RunningCompletion(choices, promptTokens, reply.CachedTokens, reply.QueueMs, reply.PrefillMs, handoffMs, bytes, reply.Pod, slot);
            telemetry.Started(run);
            return run;
        }
        catch (Exception e) when (e is EngineOverloadedException or ArgumentException)
        {
            // The engine owns every state it took; the rest are freed here, and the choices it took are ended by
            // the caller's cancellation when the request fails.
            if (choices.Count == 0) state.Dispose();
            foreach (SequenceState fork in forks.Skip(Math.Max(0, choices.Count - 1))) fork.Dispose();
            if (e is EngineOverloadedException overloaded)
            {
                telemetry.HandoffFailed("rejected");
                throw OpenAiException.Overloaded(overloaded.RetryAfter);
            }
            throw OpenAiException.BadRequest(e.Message);
        }
    }

    /// <summary>Reads and consumes a published handoff: the state, or null when its lease expired first.</summary>
    async Task<SequenceState?> TakeOverAsync(StateKey key, RequestTelemetry telemetry, CancellationToken cancellation)
    {
        using System.Diagnostics.Activity? span = RequestTelemetry.Source.StartActivity("handoff take-over");
        try
        {
            SequenceState? state = await store.ReadAsync(key, s => codec.ReadAsync(s, cancellation), consume: true, cancellation);
            span?.SetTag("qwenmesh.state.bytes", state?.Bytes);
            return state;
        }
        catch (StateFormatException e)
        {
            telemetry.HandoffFailed("corrupt");
            throw OpenAiException.ServerError($"the prefilled state could not be loaded: {e.Message}");
        }
        catch (StateStoreUnavailableException)
        {
            telemetry.HandoffFailed("unavailable");
            throw;
        }
        catch (OperationCanceledException)
        {
            await store.DeleteAsync(key, CancellationToken.None);
            throw;
        }
    }
}
