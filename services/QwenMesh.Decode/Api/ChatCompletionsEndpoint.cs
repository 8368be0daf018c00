using QwenMesh.Decode.Completions;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Decode.Tenancy;
using QwenMesh.Hosting;
using QwenMesh.Model.Sampling;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Decode.Api;

/// <summary>POST /v1/chat/completions: chat template, prefill, continuous-batched decode, SSE or one JSON body.</summary>
public sealed class ChatCompletionsEndpoint(ServedModel served, CompletionRunner runner, GenerationPump pump, DecodeMetrics metrics, TimeProvider clock)
{
    public async Task HandleAsync(HttpContext http)
    {
        ChatCompletionRequest request = ChatCompletionRequest.Parse(await RequestBody.ReadAsync(http));
        served.Check(request.Model);
        string? session = ServedModel.Session(http.Request);
        ConversationPrompt prompt = served.RenderChat(request.Conversation, http.RequestAborted);
        ServedModel.PromptTokens(http.Response, prompt.Tokens.Count);
        RequestIdentity identity = TenantIdentity.Of(http);
        int budget = served.Budget(prompt.Tokens.Count, request.MaxTokens, request.MaxTokens is null ? "messages" : "max_tokens", identity.Budget);
        GenerationOptions o = request.Options;
        var plan = new CompletionPlan(identity.Tenant, identity.Weight, prompt.Tokens, new SamplingParams(o.Temperature, o.TopK, o.TopP, o.Seed),
            budget, served.StopTokens, session, session is null ? 0 : prompt.CheckpointAt);

        UsageMeter.Of(http)?.Describe(string.IsNullOrEmpty(request.Model) ? served.Name : request.Model, session, identity);
        using var telemetry = new RequestTelemetry(metrics, http, "chat", served.Name, plan.Tenant, o, budget, session);
        using var stopper = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        RunningCompletion? run = null;
        try
        {
            run = await runner.StartAsync(plan, telemetry, stopper.Token);
            ServedModel.Timing(http.Response, run);
            string id = CompletionIds.NewChatId();
            long created = clock.GetUtcNow().ToUnixTimeSeconds();
            var filter = new ChatOutputFilter(o.Stop, prompt.StartsInReasoning);
            if (o.Stream)
            {
                var chunks = new ChatCompletionChunks(id, created, served.Name, o.IncludeUsage);
                var sse = new SseResponse(http);
                await sse.StartAsync();
                await sse.SendAsync(chunks.RoleChunk());
                async Task Send(ChatOutputDelta d)
                {
                    if (d.Reasoning.Length > 0) await sse.SendAsync(chunks.ReasoningChunk(d.Reasoning));
                    if (d.Content.Length > 0) await sse.SendAsync(chunks.ContentChunk(d.Content));
                }
                var (finish, generated, thought) = await pump.RunAsync(run, stopper,
                    async text => { var d = filter.Feed(text); await Send(d); return d.Stopped; },
                    async () => await Send(filter.Flush()), telemetry, http.RequestAborted, () => filter.Thinking);
                var usage = new OpenAi.Usage(run.PromptTokens, generated, run.CachedTokens);
                // In the ledger and the outbox before the last events: whoever holds the whole stream finds the entry, and its event is durable.
                if (UsageMeter.Of(http) is { } meter) await meter.FinishedAsync(usage, finish, filter.HasReasoning ? thought : 0);
                await sse.SendAsync(chunks.FinishChunk(finish));
                if (o.IncludeUsage) await sse.SendAsync(chunks.UsageChunk(usage));
                await sse.DoneAsync();
                telemetry.Finished(finish, generated, id);
                return;
            }
            var reasoning = new System.Text.StringBuilder();
            var content = new System.Text.StringBuilder();
            void Collect(ChatOutputDelta d)
            {
                reasoning.Append(d.Reasoning);
                content.Append(d.Content);
            }
            var (end, count, thinking) = await pump.RunAsync(run, stopper,
                text => { var d = filter.Feed(text); Collect(d); return Task.FromResult(d.Stopped); },
                () => { Collect(filter.Flush()); return Task.CompletedTask; }, telemetry, http.RequestAborted, () => filter.Thinking);
            var told = new OpenAi.Usage(run.PromptTokens, count, run.CachedTokens);
            if (UsageMeter.Of(http) is { } account) await account.FinishedAsync(told, end, filter.HasReasoning ? thinking : 0);
            var response = new ChatCompletionResponse(id, created, served.Name, content.ToString(),
                filter.HasReasoning ? reasoning.ToString() : null, end, told);
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
