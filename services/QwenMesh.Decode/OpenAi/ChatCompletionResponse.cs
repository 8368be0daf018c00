namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The body of a non-streamed chat completion (object "chat.completion") with its choices. A choice's reasoning null
/// leaves the field out, as for a model that did not think; its tool calls are the calls the answer made (each with
/// its id, name and arguments JSON), content null when they are all it said; logprobs when asked for.
/// </summary>
public sealed record ChatCompletionResponse(string Id, long Created, string Model, IReadOnlyList<ChatChoiceResult> Choices, Usage Usage)
{
    /// <summary>A body of one choice.</summary>
    public ChatCompletionResponse(string id, long created, string model, string? content, string? reasoningContent, FinishReason finishReason, Usage usage,
        IReadOnlyList<(string Id, string Name, string Arguments)>? toolCalls = null)
        : this(id, created, model, [new ChatChoiceResult(content, reasoningContent, finishReason, toolCalls ?? [], null, usage.CompletionTokens, 0)], usage)
    {
    }

    /// <summary>The response body as UTF-8 JSON.</summary>
    public byte[] ToJson()
    {
        using var response = new ResponseWriter(Id, "chat.completion", Created, Model);
        var json = response.Json;
        json.WriteStartArray("choices");
        for (int i = 0; i < Choices.Count; i++) WriteChoice(json, i, Choices[i]);
        json.WriteEndArray();
        response.WriteUsage(Usage);
        return response.Finish();
    }

    static void WriteChoice(System.Text.Json.Utf8JsonWriter json, int index, ChatChoiceResult choice)
    {
        json.WriteStartObject();
        json.WriteNumber("index", index);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        json.WriteString("content", choice.Content);
        if (choice.ReasoningContent is not null) json.WriteString("reasoning_content", choice.ReasoningContent);
        if (choice.ToolCalls is { Count: > 0 })
        {
            json.WriteStartArray("tool_calls");
            foreach (var (id, name, arguments) in choice.ToolCalls)
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
        if (choice.Logprobs is null) json.WriteNull("logprobs");
        else choice.Logprobs.WritePending(json);
        json.WriteString("finish_reason", choice.FinishReason.ToWire());
        json.WriteEndObject();
    }
}
