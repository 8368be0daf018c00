using QwenMesh.Decode.Completions;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.OpenAi;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Decode.Api;

/// <summary>
/// POST /v1/responses (stateless; streamed as Responses events or one body): the request is translated into the chat request it means and runs
/// as one chat choice (template, tools, constrained decoding, sampling fields and all); the answer comes back as
/// Responses output items.
/// </summary>
public sealed class ResponsesEndpoint(ServedModel served, CompletionRunner runner, GenerationPump pump, DecodeMetrics metrics, TimeProvider clock)
{
    public async Task HandleAsync(HttpContext http)
    {
        ResponsesRequest responses = ResponsesRequest.Parse(await RequestBody.ReadAsync(http));
        ChatCompletionRequest request = responses.Chat;
        var (prompt, plan, session) = ChatPlanning.Of(http, served, request, "max_output_tokens", "input");
        GenerationOptions o = request.Options;
        using var telemetry = new RequestTelemetry(metrics, http, "responses", served.Name, plan.Tenant, o, plan.MaxTokens, session);
        using var stopper = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        RunningCompletion? run = null;
        try
        {
            run = await runner.StartAsync(plan, telemetry, stopper.Token);
            ServedModel.Timing(http.Response, run);
            string id = CompletionIds.NewResponsesId("resp");
            long createdAt = clock.GetUtcNow().ToUnixTimeSeconds();
            var choice = new ChatChoice(0, served, request, prompt, run, pump, stopper);
            if (o.Stream)
            {
                var sse = new SseResponse(http);
                await sse.StartAsync();
                var events = new ResponsesEventStream(sse, id, createdAt, served.Name, responses);
                ChatChoiceResult streamed = await choice.StreamAsync(events, telemetry, http.RequestAborted);
                var streamedUsage = new OpenAi.Usage(run.PromptTokens, streamed.CompletionTokens, run.CachedTokens);
                // In the ledger and the outbox before the last event, as for chat streams.
                if (UsageMeter.Of(http) is { } meter) await meter.FinishedAsync(streamedUsage, streamed.FinishReason, streamed.ReasoningTokens);
                await events.CompleteAsync(streamedUsage);
                telemetry.Finished(streamed.FinishReason, streamedUsage.CompletionTokens, id);
                return;
            }
            ChatChoiceResult result = await choice.CollectAsync(telemetry, http.RequestAborted);
            var usage = new OpenAi.Usage(run.PromptTokens, result.CompletionTokens, run.CachedTokens);
            if (UsageMeter.Of(http) is { } account) await account.FinishedAsync(usage, result.FinishReason, result.ReasoningTokens);
            var response = new ResponsesResponse(id, createdAt, served.Name, result, usage, responses, ResponsesItemIds.New(result.ToolCalls.Count));
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(response.ToJson(), http.RequestAborted);
            telemetry.Finished(result.FinishReason, usage.CompletionTokens, id);
        }
        finally
        {
            await stopper.CancelAsync();
            run?.Release();
        }
    }
}
