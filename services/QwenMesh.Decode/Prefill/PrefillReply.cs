using QwenMesh.Engine.Prefill;
using QwenMesh.Model.Sampling;

namespace QwenMesh.Decode.Prefill;

/// <summary>What the decode side asks a prefill for: one prompt, with its session and checkpoint.</summary>
public sealed record PrefillAsk(string Tenant, IReadOnlyList<int> Prompt, SamplingParams Sampling, string? SessionId, int CheckpointAt);

/// <summary>
/// A prefill's answer: the first token, how its state is handed over, and how many prompt tokens were cached.
/// <c>PublishMs</c> is the sending half of the handoff: publishing to the store, or streaming the state back in the reply.
/// <c>Pod</c> names the pod that prefilled (this one when colocated).
/// </summary>
public sealed record PrefillReply(int FirstToken, int SamplerDraws, StateHandoff Handoff, int PromptTokens, int CachedTokens, double QueueMs, double PrefillMs, double PublishMs,
    string? Pod);

/// <summary>Runs a prefill for the decode service: over gRPC on a prefill pool, or in this process when colocated.</summary>
public interface IPrefillClient
{
    Task<PrefillReply> PrefillAsync(PrefillAsk ask, CancellationToken cancellation);
}
