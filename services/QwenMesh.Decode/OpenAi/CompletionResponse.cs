namespace QwenMesh.Decode.OpenAi;

/// <summary>The body of a non-streamed /v1/completions response (object "text_completion") with its single choice.</summary>
public sealed record CompletionResponse(
    string Id,
    long Created,
    string Model,
    string Text,
    FinishReason FinishReason,
    Usage Usage)
{
    /// <summary>The response body as UTF-8 JSON.</summary>
    public byte[] ToJson()
    {
        using var response = new ResponseWriter(Id, CompletionChunks.ObjectName, Created, Model);
        CompletionChunks.WriteChoices(response.Json, Text, FinishReason);
        response.WriteUsage(Usage);
        return response.Finish();
    }
}
