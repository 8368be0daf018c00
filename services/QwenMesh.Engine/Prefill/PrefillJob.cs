using QwenMesh.Engine.State;
using QwenMesh.Model.Sampling;

namespace QwenMesh.Engine.Prefill;

/// <summary>
/// One prompt to prefill. With a session, a saved state whose tokens prefix <see cref="Tokens"/> is resumed, and a
/// checkpoint is saved after <see cref="CheckpointAt"/> tokens (the end of the last user turn, which the next
/// turn's prompt always extends). How long its keys live is the worker's <see cref="StateLimits"/>, not the job's.
/// </summary>
public sealed record PrefillJob(
    string RequestId,
    string Tenant,
    IReadOnlyList<int> Tokens,
    SamplingParams Sampling,
    string? SessionId,
    int CheckpointAt)
{
    public StateKey? SessionKey => SessionId is { Length: > 0 } id ? StateKey.Session(Tenant, id) : null;

    /// <summary>The caller takes the state itself (<see cref="StateHandoff.Delivered"/>) instead of a published handoff key.</summary>
    public bool Deliver { get; init; }

    /// <summary>The caller's span: the batch that runs this job is its child (or linked to it when batched with others).</summary>
    public System.Diagnostics.ActivityContext Trace { get; init; }
}

/// <summary>What a prefill produced: the first token, how its state is handed to decode, and what it cost.</summary>
public sealed record PrefillOutcome(
    string RequestId,
    int FirstToken,
    int SamplerDraws,
    StateHandoff Handoff,
    int CachedTokens,
    int PromptTokens,
    double PrefillMs,
    double PublishMs,
    long StateBytes)
{
    /// <summary>Time the job waited in the prefill queue before its batch started.</summary>
    public double QueueMs { get; init; }
}
