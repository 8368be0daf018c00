using QwenMesh.Decode.Completions;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Decode.Tenancy;
using QwenMesh.Hosting;
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
        GenerationOptions o = request.Options;
        int budget = served.Budget(prompt.Count, request.MaxTokens, "max_tokens", identity.Budget, o.N);
        var plan = new CompletionPlan(identity.Tenant, identity.Weight, prompt, o.Sampling(), budget, served.StopTokensFor(o), null, 0, Choices: o.N);

        UsageMeter.Of(http)?.Describe(string.IsNullOrEmpty(request.Model) ? served.Name : request.Model, null, identity, request.Options.User);
        using var telemetry = new RequestTelemetry(metrics, http, "text_completion", served.Name, plan.Tenant, o, budget, null);
        using var stopper = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        // With one choice the request's stopper ends it; with several, each its own, all ended by the request's.
        var stoppers = o.N == 1 ? [stopper] : Enumerable.Range(0, o.N).Select(_ => CancellationTokenSource.CreateLinkedTokenSource(stopper.Token)).ToList();
        RunningCompletion? run = null;
        try
        {
            run = await runner.StartAsync(plan, telemetry, stopper.Token, o.N == 1 ? null : stoppers.Select(s => s.Token).ToList());
            ServedModel.Timing(http.Response, run);
            string id = CompletionIds.NewTextId();
            long created = clock.GetUtcNow().ToUnixTimeSeconds();
            var choices = Enumerable.Range(0, o.N).Select(i => new TextChoice(i, served, o, run, pump, stoppers[i])).ToList();
            TextChoiceResult[] results;
            if (o.Stream)
            {
                var sse = new SseResponse(http);
                await sse.StartAsync();
                Func<OpenAi.Usage>? soFar = o.ContinuousUsage ? () => new OpenAi.Usage(run.PromptTokens, run.Generated, run.CachedTokens) : null;
                results = await Task.WhenAll(choices.Select(c => c.StreamAsync(c.Chunks(id, created, soFar), chunk => sse.SendAsync(chunk), telemetry, http.RequestAborted)));
                var usage = new OpenAi.Usage(run.PromptTokens, results.Sum(r => r.CompletionTokens), run.CachedTokens);
                // In the ledger and the outbox before the last events: whoever holds the whole stream finds the entry, and its event is durable.
                if (UsageMeter.Of(http) is { } meter) await meter.FinishedAsync(usage, results[0].FinishReason, 0);
                if (o.IncludeUsage) await sse.SendAsync(choices[0].Chunks(id, created, null).UsageChunk(usage));
                await sse.DoneAsync();
                telemetry.Finished(results[0].FinishReason, usage.CompletionTokens, id);
                return;
            }
            results = await Task.WhenAll(choices.Select(c => c.CollectAsync(telemetry, http.RequestAborted)));
            var told = new OpenAi.Usage(run.PromptTokens, results.Sum(r => r.CompletionTokens), run.CachedTokens);
            if (UsageMeter.Of(http) is { } account) await account.FinishedAsync(told, results[0].FinishReason, 0);
            var response = new CompletionResponse(id, created, served.Name, results, told);
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(response.ToJson(), http.RequestAborted);
            telemetry.Finished(results[0].FinishReason, told.CompletionTokens, id);
        }
        finally
        {
            // However the request ends (done, stop string, client gone, write failed), the engine drops the sequence
            // and the next tenant in fair order gets the slot.
            await stopper.CancelAsync();
            run?.Release();
            if (o.N > 1) foreach (CancellationTokenSource s in stoppers) s.Dispose();
        }
    }
}
