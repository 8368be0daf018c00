using Google.Protobuf;
using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine.Prefill;
using QwenMesh.Engine.State;
using QwenMesh.Model.Sampling;

namespace QwenMesh.Prefill;

/// <summary>
/// The Prefill gRPC service: validates a request, queues its sequences for batched prefill, and streams back each
/// result, followed by its state when the caller asked for the states (no shared store) or else with its handoff key.
/// </summary>
public sealed class PrefillService(PrefillQueue queue, StateCodec codec, Microsoft.Extensions.Configuration.IConfiguration configuration) : Contracts.V1.Prefill.PrefillBase
{
    const int ChunkSize = 1 << 20;

    public override async Task Prefill(PrefillRequest request, IServerStreamWriter<PrefillReplyPart> reply, ServerCallContext context)
    {
        if (request.Sequences.Count == 0) throw Invalid("a prefill request needs at least one sequence");
        var jobs = request.Sequences.Select(s => ToJob(s, request.DeliverStates)).ToList();
        IReadOnlyList<PrefillOutcome> outcomes;
        try
        {
            outcomes = await queue.RunAsync(jobs, context.CancellationToken);
        }
        catch (ArgumentException e)
        {
            throw Invalid(e.Message);
        }
        catch (Engine.Experts.ExpertUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
        catch (StateStoreUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
        int sent = 0;
        try
        {
            for (; sent < outcomes.Count; sent++)
            {
                PrefillOutcome o = outcomes[sent];
                await reply.WriteAsync(new PrefillReplyPart { Result = Result(o) }, context.CancellationToken);
                if (o.Handoff is StateHandoff.Delivered delivered)
                {
                    var chunks = new ChunkWriteStream(ChunkSize, chunk =>
                        reply.WriteAsync(new PrefillReplyPart { StateChunk = UnsafeByteOperations.UnsafeWrap(chunk) }, context.CancellationToken));
                    await codec.WriteAsync(delivered.State, chunks, null, context.CancellationToken);
                    await chunks.CompleteAsync();
                    delivered.State.Dispose();
                }
            }
        }
        finally
        {
            // A caller gone mid-reply leaves states nobody will take: release them now.
            for (int i = sent; i < outcomes.Count; i++)
                if (outcomes[i].Handoff is StateHandoff.Delivered left) left.State.Dispose();
        }
    }

    readonly string _pod = ServiceDefaults.PodName.Of(configuration);

    PrefillResult Result(PrefillOutcome o) => new()
    {
        RequestId = o.RequestId,
        FirstToken = o.FirstToken,
        SamplerDraws = o.SamplerDraws,
        HandoffId = o.Handoff is StateHandoff.Published published ? published.Key.Id : "",
        CachedTokens = o.CachedTokens,
        PromptTokens = o.PromptTokens,
        PrefillMs = o.PrefillMs,
        PublishMs = o.PublishMs,
        StateBytes = o.StateBytes,
        QueueMs = o.QueueMs,
        Pod = _pod,
    };

    static PrefillJob ToJob(PrefillSequence s, bool deliver)
    {
        if (string.IsNullOrEmpty(s.Tenant)) throw Invalid($"sequence {s.RequestId}: tenant is required");
        if (s.Tokens.Count == 0) throw Invalid($"sequence {s.RequestId}: tokens are required");
        var sampling = new SamplingParams(s.Sampling?.Temperature ?? 0, s.Sampling?.TopK ?? 0,
            s.Sampling is { TopP: > 0 } p ? p.TopP : 1.0, s.Sampling is { HasSeed: true } seeded ? seeded.Seed : null);
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException e)
        {
            throw Invalid($"sequence {s.RequestId}: {e.Message}");
        }
        return new PrefillJob(s.RequestId, s.Tenant, s.Tokens.ToList(), sampling, s.SessionId, s.CheckpointAt)
        {
            Trace = System.Diagnostics.Activity.Current?.Context ?? default,
            Deliver = deliver,
        };
    }

    static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
