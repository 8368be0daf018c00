using System.Text.Json;

namespace QwenMesh.LoadTest.Api;

/// <summary>Reads the `{"error":{...}}` body of a failed request into one short line for the report.</summary>
public static class ApiErrorBody
{
    const int MaxLength = 160;

    public static string? FromBody(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out JsonElement error))
                return Describe(error);
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): the raw text is still the best description there is.
        }
        return Shorten(body);
    }

    public static string Describe(JsonElement error)
    {
        if (error.ValueKind == JsonValueKind.String) return Shorten(error.GetString()!);
        if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out JsonElement message)
            && message.ValueKind == JsonValueKind.String)
            return Shorten(message.GetString()!);
        return Shorten(error.GetRawText());
    }

    static string Shorten(string text)
    {
        string oneLine = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return oneLine.Length <= MaxLength ? oneLine : oneLine[..(MaxLength - 3)] + "...";
    }
}
