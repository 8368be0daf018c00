using System.Buffers;
using System.Text.Json;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Ledger;

/// <summary>
/// What one request used, as decode ended it: for a finished request the <c>usage</c> its client was told; for a
/// cancelled or failed one what was computed (the prompt prefilled and the tokens generated); zeros for one refused
/// before anything ran.
/// </summary>
public sealed record UsageEntry(int PromptTokens, int CachedTokens, int CompletionTokens, string Status)
{
    public const string Finished = "finished", Cancelled = "cancelled", Failed = "failed", Rejected = "rejected";

    public static UsageEntry Told(OpenAi.Usage usage) => new(usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens, Finished);

    /// <summary><c>{"request_id":..,"prompt_tokens":..,"cached_tokens":..,"completion_tokens":..,"status":..}</c>, as UTF-8 JSON.</summary>
    public byte[] ToJson(string requestId)
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var json = new Utf8JsonWriter(buffer, ResponseWriter.Options))
        {
            json.WriteStartObject();
            json.WriteString("request_id", requestId);
            json.WriteNumber("prompt_tokens", PromptTokens);
            json.WriteNumber("cached_tokens", CachedTokens);
            json.WriteNumber("completion_tokens", CompletionTokens);
            json.WriteString("status", Status);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
