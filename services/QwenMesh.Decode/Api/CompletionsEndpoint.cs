using QwenMesh.Decode.Completions;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Decode.Tenancy;
using QwenMesh.Hosting;
using QwenMesh.Model.Sampling;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Decode.Api;

/// <summary>POST /v1/completions: raw prompt (text or token ids), no chat template, no sessions.</summary>
public sealed class CompletionsEndpoint(ServedModel served, CompletionRunner runner, GenerationPump pump, DecodeMetrics metrics, TimeProvider clock)
{
    public async Task HandleAsync(HttpContext http)
    {
        CompletionRequest request = CompletionRequest.Parse(await RequestBody.ReadAsync(http));
        served.Check(request.Model);
        IReadOnlyList<int> prompt = request.Prompt.TokenIds ?? served.Tokenizer.Encode(request.Prompt.Text ?? "");
        if (prompt.Count == 0) throw OpenAiException.BadRequest("the prompt is empty", "prompt");
        ServedModel.PromptTokens(http.Response, prompt.Count);
        RequestIdentity identity = TenantIdentity.Of(http);
        int budget = served.Budget(prompt.Count, request.MaxTokens, "max_tokens", identity.Budget);
        GenerationOptions o = request.Options;
        var plan = new CompletionPlan(identity.Tenant, identity.Weight, prompt, o.Sampling(),
            budget, served.StopTokensFor(o), null, 0);

        UsageMeter.Of(http)?.Describe(string.IsNullOrEmpty(request.Model) ? served.Name : request.Model, null, identity, request.Options.User);
        using var telemetry = new RequestTelemetry(metrics, http, "text_completion", served.Name, plan.Tenant, o, budget, null);
        using var stopper = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        RunningCompletion? run = null;
        try
        {
            run = await runner.StartAsync(plan, telemetry, stopper.Token);
            ServedModel.Timing(http.Response, run);
            string id = CompletionIds.NewTextId();
            long created = clock.GetUtcNow().ToUnixTimeSeconds();
            var stops = new StopSequenceMatcher(o.Stop);
            if (o.Stream)
            {
                var chunks = new CompletionChunks(id, created, served.Name, o.IncludeUsage,
                    o.ContinuousUsage ? () => new OpenAi.Usage(run.PromptTokens, run.Sequence.Generated, run.CachedTokens) : null);
                var sse = new SseResponse(http);
                await sse.StartAsync();
                var (finish, generated, _) = await pump.RunAsync(run, stopper,
                    async text =>
                    {
                        StopFeed f = stops.Feed(text);
                        if (f.Text.Length > 0) await sse.SendAsync(chunks.TextChunk(f.Text));
                        return f.Stopped;
                    },
                    async () =>
                    {
                        string rest = stops.Flush();
                        if (rest.Length > 0) await sse.SendAsync(chunks.TextChunk(rest));
                    }, telemetry, http.RequestAborted);
                var usage = new OpenAi.Usage(run.PromptTokens, generated, run.CachedTokens);
                // In the ledger and the outbox before the last events: whoever holds the whole stream finds the entry, and its event is durable.
                if (UsageMeter.Of(http) is { } meter) await meter.FinishedAsync(usage, finish, 0);
                await sse.SendAsync(chunks.FinishChunk(finish));
                if (o.IncludeUsage) await sse.SendAsync(chunks.UsageChunk(usage));
                await sse.DoneAsync();
                telemetry.Finished(finish, generated, id);
                return;
            }
            var text = new System.Text.StringBuilder();
            var (end, count, _) = await pump.RunAsync(run, stopper,
                piece => { StopFeed f = stops.Feed(piece); text.Append(f.Text); return Task.FromResult(f.Stopped); },
                () => { text.Append(stops.Flush()); return Task.CompletedTask; }, telemetry, http.RequestAborted);
            var told = new OpenAi.Usage(run.PromptTokens, count, run.CachedTokens);
            if (UsageMeter.Of(http) is { } account) await account.FinishedAsync(told, end, 0);
            var response = new CompletionResponse(id, created, served.Name, text.ToString(), end, told);
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(response.ToJson(), http.RequestAborted);
            telemetry.Finished(end, count, id);
        }
        finally
        {
            // However the request ends (done, stop string, client gone, write failed), the engine drops the sequence
            // and the next tenant in fair order gets the slot.
            await stopper.CancelAsync();
            run?.Release();
        }
    }
}
