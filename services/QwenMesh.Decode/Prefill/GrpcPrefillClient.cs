using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Prefill;
using QwenMesh.Engine.State;
using QwenMesh.Model.State;

namespace QwenMesh.Decode.Prefill;

/// <summary>
/// Prefill on a remote pool. The prompt stays in hand, so a prefill worker that is unreachable or dies mid-request
/// costs a retry on the next one (request migration), and is skipped for a cool-down meanwhile; only when every worker
/// has failed does the request get a 503 with Retry-After. Without a shared store (<paramref name="deliverStates"/>)
/// each state comes back in the reply and each worker keeps its own sessions, so a session's turns go to the worker
/// its id hashes to (the same from every decode process); otherwise requests go round-robin and states through Redis.
/// </summary>
public sealed class GrpcPrefillClient(IReadOnlyList<Contracts.V1.Prefill.PrefillClient> pool, TimeProvider clock, StateCodec codec, StateLimits limits,
    bool deliverStates) : IPrefillClient
{
    static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(2);
    static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    readonly DateTimeOffset[] _downUntil = new DateTimeOffset[pool.Count];
    int _next = -1;

    public async Task<PrefillReply> PrefillAsync(PrefillAsk ask, CancellationToken cancellation)
    {
        var request = new PrefillRequest { DeliverStates = deliverStates };
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
        foreach (int worker in Order(deliverStates ? ask.SessionId : null))
        {
            try
            {
                return await CallAsync(pool[worker], request, ask.Tenant, cancellation);
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

    async Task<PrefillReply> CallAsync(Contracts.V1.Prefill.PrefillClient worker, PrefillRequest request, string tenant, CancellationToken cancellation)
    {
        using AsyncServerStreamingCall<PrefillReplyPart> call = worker.Prefill(request, cancellationToken: cancellation);
        IAsyncStreamReader<PrefillReplyPart> parts = call.ResponseStream;
        if (!await parts.MoveNext(cancellation) || parts.Current.PartCase != PrefillReplyPart.PartOneofCase.Result)
            throw new RpcException(new Status(StatusCode.Internal, "the prefill reply did not start with a result"));
        PrefillResult r = parts.Current.Result;
        if (!deliverStates)
            return new PrefillReply(r.FirstToken, r.SamplerDraws, new StateHandoff.Published(new StateKey(StateKind.Handoff, tenant, r.HandoffId)),
                r.PromptTokens, r.CachedTokens, r.QueueMs, r.PrefillMs, r.PublishMs, NullIfEmpty(r.Pod));
        // The delivery (encode on prefill, the wire, decode here, all streamed) is this reply's handoff time.
        long delivery = System.Diagnostics.Stopwatch.GetTimestamp();
        var delivered = new StateHandoff.Delivered(await ReceiveStateAsync(parts, cancellation));
        return new PrefillReply(r.FirstToken, r.SamplerDraws, delivered, r.PromptTokens, r.CachedTokens, r.QueueMs, r.PrefillMs,
            System.Diagnostics.Stopwatch.GetElapsedTime(delivery).TotalMilliseconds, NullIfEmpty(r.Pod));
    }

    /// <summary>
    /// The state's chunks that follow its result, decoded as they arrive (one chunk in memory at a time); more bytes than
    /// the model's largest possible state are refused.
    /// </summary>
    async Task<SequenceState> ReceiveStateAsync(IAsyncStreamReader<PrefillReplyPart> parts, CancellationToken cancellation)
    {
        long received = 0;
        var stream = new ChunkReadStream(async token =>
        {
            // Not a ?: expression: null would convert to an empty ReadOnlyMemory and never end the stream.
            if (!await parts.MoveNext(token) || parts.Current.PartCase != PrefillReplyPart.PartOneofCase.StateChunk) return null;
            if ((received += parts.Current.StateChunk.Length) > limits.MaxBytes)
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"a prefilled state of more than {limits.MaxBytes} bytes is larger than this model's largest possible state"));
            return parts.Current.StateChunk.Memory;
        });
        try
        {
            return await codec.ReadAsync(stream, cancellation);
        }
        catch (StateFormatException e)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"the prefilled state could not be read: {e.Message}"));
        }
    }

    /// <summary>
    /// A worker that went away (Unavailable, or a stream cut mid-call) or could not finish because of what it depends
    /// on (its state store or experts): another worker may succeed with the same prompt.
    /// </summary>
    static bool Retryable(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown
        or StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted;

    /// <summary>
    /// Every worker once, workers in their cool-down last: from the session's worker when there is one, else round-robin.
    /// </summary>
    IEnumerable<int> Order(string? session)
    {
        int start = session is { Length: > 0 }
            ? (int)(SessionHash(session) % (uint)pool.Count)
            : (int)((uint)Interlocked.Increment(ref _next) % (uint)pool.Count);
        var order = Enumerable.Range(0, pool.Count).Select(i => (start + i) % pool.Count).ToList();
        DateTimeOffset now = clock.GetUtcNow();
        return order.Where(w => _downUntil[w] <= now).Concat(order.Where(w => _downUntil[w] > now));
    }

    /// <summary>FNV-1a over the id's UTF-16 code units: stable across processes, unlike string.GetHashCode.</summary>
    static uint SessionHash(string session)
    {
        uint hash = 2166136261;
        foreach (char c in session) hash = (hash ^ c) * 16777619;
        return hash;
    }

    static string? NullIfEmpty(string pod) => pod.Length == 0 ? null : pod;
}
