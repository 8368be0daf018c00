using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Builds the chunks (object "chat.completion.chunk") of one streamed chat completion; all share id, created and
/// model. The order on the wire is <see cref="RoleChunk"/>, any content/reasoning chunks, <see cref="FinishChunk"/>,
/// and, when the client asked for usage, <see cref="UsageChunk"/>.
/// </summary>
/// <param name="usageSoFar">With stream_options.continuous_usage_stats: the usage so far, written into every chunk.</param>
/// <param name="logprobs">When the client asked for logprobs: each chunk carries those of the tokens read since the last.</param>
/// <param name="choiceIndex">The choice these chunks belong to (n > 1 streams several side by side).</param>
public sealed class ChatCompletionChunks(string id, long created, string model, bool includeUsage, Func<Usage>? usageSoFar = null, ChatLogprobs? logprobs = null,
    int choiceIndex = 0)
{
    const string ObjectName = "chat.completion.chunk";

    /// <summary>The first chunk: announces the assistant role with empty content.</summary>
    public byte[] RoleChunk() => Choice(json =>
    {
        json.WriteString("role", "assistant");
        json.WriteString("content", "");
    }, finishReason: null);

    /// <summary>A piece of the answer.</summary>
    public byte[] ContentChunk(string text) => Choice(json => json.WriteString("content", text), finishReason: null);

    /// <summary>A piece of the model's thinking.</summary>
    public byte[] ReasoningChunk(string text) => Choice(json => json.WriteString("reasoning_content", text), finishReason: null);

    /// <summary>
    /// A piece of a tool call as OpenAI streams it: the first names the call (index, id, type, function name, empty
    /// arguments), the rest carry argument fragments under the call's index.
    /// </summary>
    public byte[] ToolCallChunk(ToolCallDelta call) => Choice(json =>
    {
        json.WriteStartArray("tool_calls");
        json.WriteStartObject();
        json.WriteNumber("index", call.Index);
        if (call.Id is not null)
        {
            json.WriteString("id", call.Id);
            json.WriteString("type", "function");
        }
        json.WriteStartObject("function");
        if (call.Name is not null) json.WriteString("name", call.Name);
        json.WriteString("arguments", call.Arguments);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
    }, finishReason: null);

    /// <summary>The last chunk of the choice: an empty delta and the finish reason.</summary>
    public byte[] FinishChunk(FinishReason reason) => Choice(_ => { }, reason);

    /// <summary>The extra chunk after the choice when stream_options.include_usage is set: no choices, the usage.</summary>
    public byte[] UsageChunk(Usage usage)
    {
        if (!includeUsage) throw new InvalidOperationException("the client did not ask for usage (stream_options.include_usage)");
        return ResponseWriter.UsageChunk(id, ObjectName, created, model, usage);
    }

    byte[] Choice(Action<Utf8JsonWriter> writeDelta, FinishReason? finishReason)
    {
        using var chunk = new ResponseWriter(id, ObjectName, created, model);
        var json = chunk.Json;
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", choiceIndex);
        json.WriteStartObject("delta");
        writeDelta(json);
        json.WriteEndObject();
        if (logprobs is null) json.WriteNull("logprobs");
        else logprobs.WritePending(json);
        json.WriteString("finish_reason", finishReason?.ToWire());
        json.WriteEndObject();
        json.WriteEndArray();
        // With include_usage OpenAI puts "usage": null on every chunk so each has the same fields (vLLM's
        // continuous_usage_stats puts the usage so far there).
        if (includeUsage) chunk.WriteUsage(usageSoFar?.Invoke());
        return chunk.Finish();
    }
}
