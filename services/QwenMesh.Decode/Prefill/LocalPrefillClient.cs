using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Prefill;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Prefill;

/// <summary>Colocated mode: this process prefills too, taking turns with decode steps through the model gate.</summary>
public sealed class LocalPrefillClient(PrefillWorker worker, ServingOptions options) : IPrefillClient
{
    public async Task<PrefillReply> PrefillAsync(PrefillAsk ask, CancellationToken cancellation)
    {
        var job = new PrefillJob(Guid.NewGuid().ToString("N"), ask.Tenant, ask.Prompt, ask.Sampling, ask.SessionId, ask.CheckpointAt,
            TimeSpan.FromSeconds(options.HandoffTtlSeconds), TimeSpan.FromSeconds(options.SessionTtlSeconds));
        PrefillOutcome o;
        try
        {
            // The worker's passes block on the model; keep them off the request thread's synchronous path.
            o = (await Task.Run(() => worker.RunAsync([job], cancellation), cancellation)).Single();
        }
        catch (ArgumentException e)
        {
            throw OpenAiException.BadRequest(e.Message);
        }
        return new PrefillReply(o.FirstToken, o.SamplerDraws, o.Handoff, o.PromptTokens, o.CachedTokens, o.PrefillMs, o.PublishMs);
    }
}
