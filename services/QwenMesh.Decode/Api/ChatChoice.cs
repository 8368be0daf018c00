using System.Text;
using QwenMesh.Decode.Completions;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Api;

/// <summary>
/// One choice of a chat completion as it is read from its sequence: stop strings and reasoning split off by its
/// filter, tool calls parsed, logprobs collected, then streamed as chunks of its index or collected for the body.
/// Every choice has its own stopper: a stop string ends its sequence only.
/// </summary>
public sealed class ChatChoice(int index, ServedModel served, ChatCompletionRequest request, ConversationPrompt prompt, RunningCompletion run,
    GenerationPump pump, CancellationTokenSource stopper)
{
    readonly ChatOutputFilter _filter = new(request.Options.Stop, prompt.StartsInReasoning);
    readonly ToolCallOutput? _tools = served.ToolCalls(request);
    readonly ChatLogprobs? _logprobs = request.Options.Logprobs is null ? null : new ChatLogprobs(served.Tokenizer);

    void TokenRead(int token) => _logprobs?.Add(run.Choices[index].Logprob(token));

    /// <summary>Streams the choice into <paramref name="stream"/> (chat chunks, or Responses events), its finish last.</summary>
    public async Task<ChatChoiceResult> StreamAsync(IChoiceStream stream, RequestTelemetry telemetry, CancellationToken aborted)
    {
        await stream.StartAsync();
        async Task Send(ChatOutputDelta d, bool final)
        {
            if (d.Reasoning.Length > 0) await stream.ReasoningAsync(d.Reasoning);
            if (_tools is null)
            {
                if (d.Content.Length > 0) await stream.ContentAsync(d.Content);
                return;
            }
            foreach (var (text, calls) in final ? [_tools.Feed(d.Content), _tools.Flush()] : new[] { _tools.Feed(d.Content) })
            {
                if (text.Length > 0) await stream.ContentAsync(text);
                foreach (ToolCallDelta call in calls) await stream.ToolCallAsync(call);
            }
        }
        var (finish, generated, thought) = await pump.RunAsync(run, stopper,
            async text => { var d = _filter.Feed(text); await Send(d, d.Stopped); return d.Stopped; },
            async () => await Send(_filter.Flush(), true), telemetry, aborted, () => _filter.Thinking, TokenRead, index);
        if (_tools is { Called: true } && finish == FinishReason.Stop) finish = FinishReason.ToolCalls;
        var result = new ChatChoiceResult(null, null, finish, [], _logprobs, generated, _filter.HasReasoning ? thought : 0);
        await stream.FinishAsync(result);
        return result;
    }

    /// <summary>Reads the whole choice for the non-streamed body.</summary>
    public async Task<ChatChoiceResult> CollectAsync(RequestTelemetry telemetry, CancellationToken aborted)
    {
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        var calls = new List<(string Id, string Name, StringBuilder Arguments)>();
        void Collect(ChatOutputDelta d, bool final)
        {
            reasoning.Append(d.Reasoning);
            if (_tools is null)
            {
                content.Append(d.Content);
                return;
            }
            foreach (var (text, deltas) in final ? [_tools.Feed(d.Content), _tools.Flush()] : new[] { _tools.Feed(d.Content) })
            {
                content.Append(text);
                foreach (ToolCallDelta call in deltas)
                {
                    if (call.Id is not null) calls.Add((call.Id, call.Name!, new StringBuilder()));
                    calls[call.Index].Arguments.Append(call.Arguments);
                }
            }
        }
        var (finish, count, thinking) = await pump.RunAsync(run, stopper,
            text => { var d = _filter.Feed(text); Collect(d, d.Stopped); return Task.FromResult(d.Stopped); },
            () => { Collect(_filter.Flush(), true); return Task.CompletedTask; }, telemetry, aborted, () => _filter.Thinking, TokenRead, index);
        if (calls.Count > 0 && finish == FinishReason.Stop) finish = FinishReason.ToolCalls;
        // An answer that only calls tools has no content (null), as OpenAI sends it.
        string? answer = calls.Count > 0 && string.IsNullOrWhiteSpace(content.ToString()) ? null : content.ToString();
        return new ChatChoiceResult(answer, _filter.HasReasoning ? reasoning.ToString() : null, finish,
            calls.Select(c => (c.Id, c.Name, c.Arguments.ToString())).ToList(), _logprobs, count, _filter.HasReasoning ? thinking : 0);
    }

    /// <summary>The chunk builder for this choice's index, carrying its logprobs.</summary>
    public ChatCompletionChunks Chunks(string id, long created, bool includeUsage, Func<OpenAi.Usage>? usageSoFar) =>
        new(id, created, served.Name, includeUsage, usageSoFar, _logprobs, index);
}

/// <summary>Where a streamed choice goes, piece by piece: chat completion chunks or Responses API events.</summary>
public interface IChoiceStream
{
    Task StartAsync();
    Task ReasoningAsync(string text);
    Task ContentAsync(string text);
    Task ToolCallAsync(ToolCallDelta call);
    Task FinishAsync(ChatChoiceResult result);
}

/// <summary>A choice as chat completion chunks of its index: role first, then the pieces, the finish chunk last.</summary>
public sealed class ChatChunkStream(ChatCompletionChunks chunks, Func<byte[], Task> send) : IChoiceStream
{
    public Task StartAsync() => send(chunks.RoleChunk());
    public Task ReasoningAsync(string text) => send(chunks.ReasoningChunk(text));
    public Task ContentAsync(string text) => send(chunks.ContentChunk(text));
    public Task ToolCallAsync(ToolCallDelta call) => send(chunks.ToolCallChunk(call));
    public Task FinishAsync(ChatChoiceResult result) => send(chunks.FinishChunk(result.FinishReason));
}
