using System.Text.Json;

namespace QwenMesh.LoadTest.Api;

/// <summary>
/// Names the kind of a 429 from its OpenAI body `{"error":{"type":...,"code":...}}`: a request-rate limit, a
/// token-rate limit, or a spent quota; anything else (a plain "queue full") is <see cref="Other"/>.
/// </summary>
public static class RateLimitRefusal
{
    public const string Requests = "requests";
    public const string Tokens = "tokens";
    public const string InsufficientQuota = "insufficient_quota";
    public const string Other = "other";

    /// <summary>The kinds every report lists, in this order, even when zero; <see cref="Other"/> only when seen.</summary>
    public static readonly IReadOnlyList<string> Known = [Requests, Tokens, InsufficientQuota];

    public static string Classify(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out JsonElement error)
                || error.ValueKind != JsonValueKind.Object)
                return Other;
            string? type = Text(error, "type");
            if (type is Requests or Tokens or InsufficientQuota) return type;
            return Text(error, "code") == InsufficientQuota ? InsufficientQuota : Other;
        }
        catch (JsonException)
        {
            return Other;
        }
    }

    static string? Text(JsonElement error, string name) =>
        error.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
