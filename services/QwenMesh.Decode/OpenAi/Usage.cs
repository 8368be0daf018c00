using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Token counts of one request as OpenAI reports them. CachedTokens are prompt tokens that were not computed again
/// because a stored session state already covered them.
/// </summary>
public sealed record Usage(int PromptTokens, int CompletionTokens, int CachedTokens = 0)
{
    public int TotalTokens => PromptTokens + CompletionTokens;

    internal void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", PromptTokens);
        json.WriteNumber("completion_tokens", CompletionTokens);
        json.WriteNumber("total_tokens", TotalTokens);
        json.WriteStartObject("prompt_tokens_details");
        json.WriteNumber("cached_tokens", CachedTokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
