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
        var plan = new CompletionPlan(identity.Tenant, identity.Weight, prompt.Tokens, o.Sampling(),
            budget, served.StopTokensFor(o), session, session is null ? 0 : prompt.CheckpointAt, served.Constraint(request, prompt));

        UsageMeter.Of(http)?.Describe(string.IsNullOrEmpty(request.Model) ? served.Name : request.Model, session, identity, request.Options.User);
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
            ToolCallOutput? tools = served.ToolCalls(request);
            ChatLogprobs? logprobs = o.Logprobs is null ? null : new ChatLogprobs(served.Tokenizer);
            void TokenRead(int index) => logprobs?.Add(run.Sequence.Logprob(index));
            if (o.Stream)
            {
                var chunks = new ChatCompletionChunks(id, created, served.Name, o.IncludeUsage,
                    o.ContinuousUsage ? () => new OpenAi.Usage(run.PromptTokens, run.Sequence.Generated, run.CachedTokens) : null, logprobs);
                var sse = new SseResponse(http);
                await sse.StartAsync();
                await sse.SendAsync(chunks.RoleChunk());
                async Task Send(ChatOutputDelta d, bool final)
                {
                    if (d.Reasoning.Length > 0) await sse.SendAsync(chunks.ReasoningChunk(d.Reasoning));
                    if (tools is null)
                    {
                        if (d.Content.Length > 0) await sse.SendAsync(chunks.ContentChunk(d.Content));
                        return;
                    }
                    foreach (var (text, calls) in final ? [tools.Feed(d.Content), tools.Flush()] : new[] { tools.Feed(d.Content) })
                    {
                        if (text.Length > 0) await sse.SendAsync(chunks.ContentChunk(text));
                        foreach (ToolCallDelta call in calls) await sse.SendAsync(chunks.ToolCallChunk(call));
                    }
                }
                var (finish, generated, thought) = await pump.RunAsync(run, stopper,
                    async text => { var d = filter.Feed(text); await Send(d, d.Stopped); return d.Stopped; },
                    async () => await Send(filter.Flush(), true), telemetry, http.RequestAborted, () => filter.Thinking, TokenRead);
                if (tools is { Called: true } && finish == FinishReason.Stop) finish = FinishReason.ToolCalls;
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
            var calls = new List<(string Id, string Name, System.Text.StringBuilder Arguments)>();
            void Collect(ChatOutputDelta d, bool final)
            {
                reasoning.Append(d.Reasoning);
                if (tools is null)
                {
                    content.Append(d.Content);
                    return;
                }
                foreach (var (text, deltas) in final ? [tools.Feed(d.Content), tools.Flush()] : new[] { tools.Feed(d.Content) })
                {
                    content.Append(text);
                    foreach (ToolCallDelta call in deltas)
                    {
                        if (call.Id is not null) calls.Add((call.Id, call.Name!, new System.Text.StringBuilder()));
                        calls[call.Index].Arguments.Append(call.Arguments);
                    }
                }
            }
            var (end, count, thinking) = await pump.RunAsync(run, stopper,
                text => { var d = filter.Feed(text); Collect(d, d.Stopped); return Task.FromResult(d.Stopped); },
                () => { Collect(filter.Flush(), true); return Task.CompletedTask; }, telemetry, http.RequestAborted, () => filter.Thinking, TokenRead);
            if (calls.Count > 0 && end == FinishReason.Stop) end = FinishReason.ToolCalls;
            var told = new OpenAi.Usage(run.PromptTokens, count, run.CachedTokens);
            if (UsageMeter.Of(http) is { } account) await account.FinishedAsync(told, end, filter.HasReasoning ? thinking : 0);
            // An answer that only calls tools has no content (null), as OpenAI sends it.
            string? answer = calls.Count > 0 && string.IsNullOrWhiteSpace(content.ToString()) ? null : content.ToString();
            var response = new ChatCompletionResponse(id, created, served.Name, answer,
                filter.HasReasoning ? reasoning.ToString() : null, end, told,
                calls.Select(c => (c.Id, c.Name, c.Arguments.ToString())).ToList(), logprobs);
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
