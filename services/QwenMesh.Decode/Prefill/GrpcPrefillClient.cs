using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.State;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Prefill;

/// <summary>Prefill on a remote pool; several endpoints are used round-robin, and an unreachable one is skipped.</summary>
public sealed class GrpcPrefillClient(IReadOnlyList<Contracts.V1.Prefill.PrefillClient> pool, ServingOptions options) : IPrefillClient
{
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
            HandoffTtlSeconds = (uint)options.HandoffTtlSeconds,
            SessionTtlSeconds = (uint)options.SessionTtlSeconds,
        };
        sequence.Tokens.AddRange(ask.Prompt);
        request.Sequences.Add(sequence);
        for (int attempt = 0; ; attempt++)
        {
            var client = pool[(int)((uint)Interlocked.Increment(ref _next) % (uint)pool.Count)];
            try
            {
                PrefillResponse response = await client.PrefillAsync(request, cancellationToken: cancellation);
                PrefillResult r = response.Results.Single();
                return new PrefillReply(r.FirstToken, r.SamplerDraws, new StateKey(StateKind.Handoff, ask.Tenant, r.HandoffId),
                    r.PromptTokens, r.CachedTokens, r.PrefillMs, r.PublishMs);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt + 1 < pool.Count)
            {
                // Try the next prefill endpoint.
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                throw OpenAiException.BadRequest(e.Status.Detail);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                throw new OpenAiException(503, "overloaded_error", $"prefill is unavailable: {e.Status.Detail}", retryAfter: TimeSpan.FromSeconds(2));
            }
        }
    }
}
