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
public sealed record RunningCompletion(DecodeSequence Sequence, int PromptTokens, int CachedTokens, double QueueMs, double PrefillMs, double HandoffMs, long StateBytes,
    string? PrefillPod, AdmissionSlot Slot)
{
    /// <summary>Frees the admission slot once the sequence is dropped, its tenant charged for every token the engine generated.</summary>
    public void Release() => Slot.Release(Sequence.Generated);
}

/// <summary>
/// Runs one generation end to end: wait for the tenant's fair turn, prefill (remote or local), take over the handed-off
/// state (consuming its lease), and join the continuous batch. Failures map to OpenAI errors; neither a state nor an
/// admission slot is ever left behind on an error path.
/// </summary>
public sealed class CompletionRunner(FairAdmission admission, IPrefillClient prefill, IStateStore store, StateCodec codec, DecodeEngine engine)
{
    public async Task<RunningCompletion> StartAsync(CompletionPlan plan, RequestTelemetry telemetry, CancellationToken cancellation)
    {
        // In front of prefill: a saturated pod spends its next prefill on the tenant served least, not the first to ask.
        AdmissionSlot slot = await admission.EnterAsync(plan.Tenant, plan.Weight, plan.Prompt.Count, cancellation);
        try
        {
            return await RunAsync(plan, slot, telemetry, cancellation);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    async Task<RunningCompletion> RunAsync(CompletionPlan plan, AdmissionSlot slot, RequestTelemetry telemetry, CancellationToken cancellation)
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
        // A constrained or penalised answer, or one with logprobs, is sampled here from its first token: prefill
        // takes all of the prompt but its last token (its own sample is dropped), and the first decode step feeds it.
        bool heldBack = plan.Constraint is not null || plan.Sampling.SampledInDecode;
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
        try
        {
            double handoffMs = reply.PublishMs + System.Diagnostics.Stopwatch.GetElapsedTime(takeOver).TotalMilliseconds;
            long bytes = state.Bytes;
            DecodeSequence sequence = heldBack
                ? engine.SubmitHeldBack(state, plan.Prompt, plan.Sampling, plan.Constraint, plan.MaxTokens, plan.StopTokens, cancellation)
                : engine.Submit(state, plan.Prompt, reply.FirstToken, plan.Sampling, reply.SamplerDraws, plan.MaxTokens, plan.StopTokens, cancellation);
            int promptTokens = reply.PromptTokens + (heldBack ? 1 : 0);
            var run = new RunningCompletion(sequence, promptTokens, reply.CachedTokens, reply.QueueMs, reply.PrefillMs, handoffMs, bytes, reply.Pod, slot);
            telemetry.Started(run);
            return run;
        }
        catch (EngineOverloadedException e)
        {
            state.Dispose();
            telemetry.HandoffFailed("rejected");
            throw OpenAiException.Overloaded(e.RetryAfter);
        }
        catch (ArgumentException e)
        {
            state.Dispose();
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
