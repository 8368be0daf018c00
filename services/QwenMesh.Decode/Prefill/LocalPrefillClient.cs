using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Prefill;

namespace QwenMesh.Decode.Prefill;

/// <summary>Colocated mode: this process prefills too, taking turns with decode steps through the model gate; the state is handed over as the object.</summary>
public sealed class LocalPrefillClient(PrefillQueue queue, string pod) : IPrefillClient
{
    public async Task<PrefillReply> PrefillAsync(PrefillAsk ask, CancellationToken cancellation)
    {
        var job = new PrefillJob(Guid.NewGuid().ToString("N"), ask.Tenant, ask.Prompt, ask.Sampling, ask.SessionId, ask.CheckpointAt)
        {
            Trace = System.Diagnostics.Activity.Current?.Context ?? default,
            Deliver = true,
        };
        PrefillOutcome o;
        try
        {
            o = (await queue.RunAsync([job], cancellation)).Single();
        }
        catch (ArgumentException e)
        {
            throw OpenAiException.BadRequest(e.Message);
        }
        return new PrefillReply(o.FirstToken, o.SamplerDraws, o.Handoff, o.PromptTokens, o.CachedTokens, o.QueueMs, o.PrefillMs, o.PublishMs, pod);
    }
}
