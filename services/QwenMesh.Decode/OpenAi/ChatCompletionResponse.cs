namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The body of a non-streamed chat completion (object "chat.completion") with its single choice.
/// ReasoningContent null leaves the field out, as for a model that did not think.
/// </summary>
public sealed record ChatCompletionResponse(
    string Id,
    long Created,
    string Model,
    string? Content,
    string? ReasoningContent,
    FinishReason FinishReason,
    Usage Usage)
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
        json.WriteEndObject();
        json.WriteNull("logprobs");
        json.WriteString("finish_reason", FinishReason.ToWire());
        json.WriteEndObject();
        json.WriteEndArray();
        response.WriteUsage(Usage);
        return response.Finish();
    }
}
