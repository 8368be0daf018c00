using System.Text;
using System.Text.Json;

namespace QwenMesh.LoadTest.Api;

/// <summary>
/// What the load program needs from one `chat.completion.chunk`: the text of its deltas, its usage when
/// present, and the message of an `error` object that a server may send instead of a chunk mid-stream.
/// </summary>
public sealed record StreamChunk(string Content, string Reasoning, TokenUsage? Usage, string? Error)
{
    /// <summary>True when the chunk carries generated text, which is what TTFT and inter-token gaps are timed on.</summary>
    public bool HasText => Content.Length > 0 || Reasoning.Length > 0;

    /// <exception cref="JsonException">The data is not a JSON object.</exception>
    public static StreamChunk Parse(string data)
    {
        using var document = JsonDocument.Parse(data);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("stream chunk is not a JSON object");

        if (root.TryGetProperty("error", out JsonElement error) && error.ValueKind != JsonValueKind.Null)
            return new StreamChunk("", "", null, ApiErrorBody.Describe(error));

        var content = new StringBuilder();
        var reasoning = new StringBuilder();
        if (root.TryGetProperty("choices", out JsonElement choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement choice in choices.EnumerateArray())
            {
                if (!choice.TryGetProperty("delta", out JsonElement delta) || delta.ValueKind != JsonValueKind.Object) continue;
                content.Append(Text(delta, "content"));
                reasoning.Append(Text(delta, "reasoning_content"));
            }
        }
        return new StreamChunk(content.ToString(), reasoning.ToString(), ReadUsage(root), null);
    }

    static string Text(JsonElement delta, string name) =>
        delta.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    static TokenUsage? ReadUsage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out JsonElement usage) || usage.ValueKind != JsonValueKind.Object) return null;
        int cached = 0;
        if (usage.TryGetProperty("prompt_tokens_details", out JsonElement details) && details.ValueKind == JsonValueKind.Object)
            cached = Count(details, "cached_tokens");
        return new TokenUsage(Count(usage, "prompt_tokens"), Count(usage, "completion_tokens"), Count(usage, "total_tokens"), cached);
    }

    static int Count(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : 0;
}
