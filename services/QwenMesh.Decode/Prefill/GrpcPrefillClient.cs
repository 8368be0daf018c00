using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.State;

namespace QwenMesh.Decode.Prefill;

/// <summary>
/// Prefill on a remote pool, round-robin. The prompt stays in hand, so a prefill worker that is unreachable or dies
/// mid-request costs a retry on the next one (request migration), and is skipped for a cool-down meanwhile; only when
/// every worker has failed does the request get a 503 with Retry-After.
/// </summary>
public sealed class GrpcPrefillClient(IReadOnlyList<Contracts.V1.Prefill.PrefillClient> pool, TimeProvider clock) : IPrefillClient
{
    static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(2);
    static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    readonly DateTimeOffset[] _downUntil = new DateTimeOffset[pool.Count];
    int _next = -1;

    public async Task<PrefillReply> PrefillAsync(PrefillAsk ask, CancellationToken cancellation)
    {
        var request = new PrefillRequest();
        var sequence = new PrefillSequence
        {
            RequestId = Guid.NewGuid().ToString("N"),
            Tenant = ask.Tenant,
            Sampling = new Sampling
            {
                Temperature = (float)ask.Sampling.Temperature,
                TopP = (float)ask.Sampling.TopP,
                TopK = ask.Sampling.TopK,
                HasSeed = ask.Sampling.Seed is not null,
                Seed = ask.Sampling.Seed ?? 0,
            },
            SessionId = ask.SessionId ?? "",
            CheckpointAt = ask.CheckpointAt,
        };
        sequence.Tokens.AddRange(ask.Prompt);
        request.Sequences.Add(sequence);
        RpcException? last = null;
        foreach (int worker in Order())
        {
            try
            {
                PrefillResponse response = await pool[worker].PrefillAsync(request, cancellationToken: cancellation);
                PrefillResult r = response.Results.Single();
                return new PrefillReply(r.FirstToken, r.SamplerDraws, new StateKey(StateKind.Handoff, ask.Tenant, r.HandoffId),
                    r.PromptTokens, r.CachedTokens, r.QueueMs, r.PrefillMs, r.PublishMs);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                throw OpenAiException.BadRequest(e.Status.Detail);
            }
            catch (RpcException e) when (!cancellation.IsCancellationRequested && Retryable(e))
            {
                _downUntil[worker] = clock.GetUtcNow() + CoolDown;
                last = e;
            }
        }
        throw new OpenAiException(503, "overloaded_error", $"no prefill worker could take the request: {last?.Status.Detail}", retryAfter: RetryAfter);
    }

    /// <summary>
    /// A worker that went away (Unavailable, or a stream cut mid-call) or could not finish because of what it depends
    /// on (its state store or experts): another worker may succeed with the same prompt.
    /// </summary>
    static bool Retryable(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown
        or StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted;

    /// <summary>Every worker once, round-robin from the next one; workers in their cool-down go last.</summary>
    IEnumerable<int> Order()
    {
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)pool.Count);
        var order = Enumerable.Range(0, pool.Count).Select(i => (start + i) % pool.Count).ToList();
        DateTimeOffset now = clock.GetUtcNow();
        return order.Where(w => _downUntil[w] <= now).Concat(order.Where(w => _downUntil[w] > now));
    }
}
