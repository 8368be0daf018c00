using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine.Prefill;
using QwenMesh.Model.Sampling;

namespace QwenMesh.Prefill;

/// <summary>The Prefill gRPC service: validates a request, queues its sequences for batched prefill, returns first tokens and handoff keys.</summary>
public sealed class PrefillService(PrefillQueue queue) : Contracts.V1.Prefill.PrefillBase
{
    public override async Task<PrefillResponse> Prefill(PrefillRequest request, ServerCallContext context)
    {
        if (request.Sequences.Count == 0) throw Invalid("a prefill request needs at least one sequence");
        var jobs = request.Sequences.Select(ToJob).ToList();
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
        catch (Engine.State.StateStoreUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
        var response = new PrefillResponse();
        response.Results.AddRange(outcomes.Select(o => new PrefillResult
        {
            RequestId = o.RequestId,
            FirstToken = o.FirstToken,
            SamplerDraws = o.SamplerDraws,
            HandoffId = o.Handoff.Id,
            CachedTokens = o.CachedTokens,
            PromptTokens = o.PromptTokens,
            PrefillMs = o.PrefillMs,
            PublishMs = o.PublishMs,
            StateBytes = o.StateBytes,
            QueueMs = o.QueueMs,
        }));
        return response;
    }

    static PrefillJob ToJob(PrefillSequence s)
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
        };
    }

    static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
