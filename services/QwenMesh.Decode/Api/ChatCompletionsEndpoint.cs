using QwenMesh.Decode.Completions;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.OpenAi;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Decode.Api;

/// <summary>POST /v1/chat/completions: chat template, prefill, continuous-batched decode, SSE or one JSON body.</summary>
public sealed class ChatCompletionsEndpoint(ServedModel served, CompletionRunner runner, GenerationPump pump, DecodeMetrics metrics, TimeProvider clock)
{
    public async Task HandleAsync(HttpContext http)
    {
        ChatCompletionRequest request = ChatCompletionRequest.Parse(await RequestBody.ReadAsync(http));
        var (prompt, plan, session) = ChatPlanning.Of(http, served, request, "max_tokens", "messages");
        GenerationOptions o = request.Options;
        using var telemetry = new RequestTelemetry(metrics, http, "chat", served.Name, plan.Tenant, o, plan.MaxTokens, session);
        using var stopper = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        // With one choice the request's stopper ends it; with several, each its own, all ended by the request's.
        var stoppers = o.N == 1 ? [stopper] : Enumerable.Range(0, o.N).Select(_ => CancellationTokenSource.CreateLinkedTokenSource(stopper.Token)).ToList();
        RunningCompletion? run = null;
        try
        {
            run = await runner.StartAsync(plan, telemetry, stopper.Token, o.N == 1 ? null : stoppers.Select(s => s.Token).ToList());
            ServedModel.Timing(http.Response, run);
            string id = CompletionIds.NewChatId();
            long created = clock.GetUtcNow().ToUnixTimeSeconds();
            var choices = Enumerable.Range(0, o.N).Select(i => new ChatChoice(i, served, request, prompt, run, pump, stoppers[i])).ToList();
            ChatChoiceResult[] results;
            if (o.Stream)
            {
                var sse = new SseResponse(http);
                await sse.StartAsync();
                Func<OpenAi.Usage>? soFar = o.ContinuousUsage ? () => new OpenAi.Usage(run.PromptTokens, run.Generated, run.CachedTokens) : null;
                results = await Task.WhenAll(choices.Select(c => c.StreamAsync(new ChatChunkStream(c.Chunks(id, created, o.IncludeUsage, soFar), chunk => sse.SendAsync(chunk)), telemetry, http.RequestAborted)));
                var usage = Total(run, results);
                // In the ledger and the outbox before the last events: whoever holds the whole stream finds the entry, and its event is durable.
                if (UsageMeter.Of(http) is { } meter) await meter.FinishedAsync(usage, results[0].FinishReason, results.Sum(r => r.ReasoningTokens));
                if (o.IncludeUsage) await sse.SendAsync(choices[0].Chunks(id, created, o.IncludeUsage, null).UsageChunk(usage));
                await sse.DoneAsync();
                telemetry.Finished(results[0].FinishReason, usage.CompletionTokens, id);
                return;
            }
            results = await Task.WhenAll(choices.Select(c => c.CollectAsync(telemetry, http.RequestAborted)));
            var told = Total(run, results);
            if (UsageMeter.Of(http) is { } account) await account.FinishedAsync(told, results[0].FinishReason, results.Sum(r => r.ReasoningTokens));
            var response = new ChatCompletionResponse(id, created, served.Name, results, told);
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

    // The prompt counts once; every choice's tokens count.
    static OpenAi.Usage Total(RunningCompletion run, IReadOnlyList<ChatChoiceResult> results) =>
        new(run.PromptTokens, results.Sum(r => r.CompletionTokens), run.CachedTokens);
}
