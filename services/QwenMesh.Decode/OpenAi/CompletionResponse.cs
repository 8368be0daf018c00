namespace QwenMesh.Decode.OpenAi;

/// <summary>The body of a non-streamed /v1/completions response (object "text_completion") with its choices.</summary>
public sealed record CompletionResponse(string Id, long Created, string Model, IReadOnlyList<TextChoiceResult> Choices, Usage Usage)
{
    /// <summary>A body of one choice.</summary>
    public CompletionResponse(string id, long created, string model, string text, FinishReason finishReason, Usage usage)
        : this(id, created, model, [new TextChoiceResult(text, finishReason, null, usage.CompletionTokens)], usage)
    {
    }

    /// <summary>The response body as UTF-8 JSON.</summary>
    public byte[] ToJson()
    {
        using var response = new ResponseWriter(Id, CompletionChunks.ObjectName, Created, Model);
        response.Json.WriteStartArray("choices");
        for (int i = 0; i < Choices.Count; i++) CompletionChunks.WriteChoice(response.Json, i, Choices[i].Text, Choices[i].FinishReason, Choices[i].Logprobs);
        response.Json.WriteEndArray();
        response.WriteUsage(Usage);
        return response.Finish();
    }
}
