namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The body of a non-streamed chat completion (object "chat.completion") with its single choice.
/// ReasoningContent null leaves the field out, as for a model that did not think; ToolCalls are the calls the answer
/// made (each with its id, name and arguments JSON), content null when they are all it said; Logprobs when asked for.
/// </summary>
public sealed record ChatCompletionResponse(
    string Id,
    long Created,
    string Model,
    string? Content,
    string? ReasoningContent,
    FinishReason FinishReason,
    Usage Usage,
    IReadOnlyList<(string Id, string Name, string Arguments)>? ToolCalls = null,
    ChatLogprobs? Logprobs = null)
{
    /// <summary>The response body as UTF-8 JSON.</summary>
    public byte[] ToJson()
    {
        using var response = new ResponseWriter(Id, "chat.completion", Created, Model);
        var json = response.Json;
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        json.WriteString("content", Content);
        if (ReasoningContent is not null) json.WriteString("reasoning_content", ReasoningContent);
        if (ToolCalls is { Count: > 0 })
        {
            json.WriteStartArray("tool_calls");
            foreach (var (id, name, arguments) in ToolCalls)
            {
                json.WriteStartObject();
                json.WriteString("id", id);
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", name);
                json.WriteString("arguments", arguments);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
        if (Logprobs is null) json.WriteNull("logprobs");
        else Logprobs.WritePending(json);
        json.WriteString("finish_reason", FinishReason.ToWire());
        json.WriteEndObject();
        json.WriteEndArray();
        response.WriteUsage(Usage);
        return response.Finish();
    }
}
