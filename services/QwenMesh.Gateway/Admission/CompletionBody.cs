using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenMesh.Gateway.Admission;

/// <summary>
/// What admission needs from a completion request's JSON body (the model, the completion bound) and the body as it
/// goes on to decode: with max_tokens lowered to the tenant's cap, or set to it when the client named none, so that
/// every admitted request has a known token bound. With n choices the bound is n times the per-choice limit: each
/// choice generates up to it.
/// </summary>
public sealed record CompletionBody(byte[] Bytes, string? Model, int CompletionBound)
{
    /// <summary>
    /// Null when the body is not a JSON object (the caller answers 400). Without <paramref name="enforce"/> (the open
    /// gateway, which has no token limits) the body goes on as sent and decode applies its own cap and context check.
    /// </summary>
    public static CompletionBody? Prepare(byte[] body, int cap, bool enforce = true)
    {
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (json is null) return null;
        string? model = json["model"] is JsonValue m && m.TryGetValue(out string? name) ? name : null;
        // A malformed n is decode's 400; here it counts as one choice.
        int choices = json["n"] is JsonValue nv && nv.TryGetValue(out int n) && n is >= 1 and <= 128 ? n : 1;
        // OpenAI's newer name wins when both are present, as decode reads them.
        // A Responses API body (it has "input") names its bound max_output_tokens.
        string field = json.ContainsKey("max_completion_tokens") ? "max_completion_tokens"
            : json.ContainsKey("input") || json.ContainsKey("max_output_tokens") ? "max_output_tokens" : "max_tokens";
        JsonNode? given = json[field];
        if (given is JsonValue v && v.TryGetValue(out long asked) && asked >= 1)
        {
            if (asked <= cap) return new CompletionBody(body, model, (int)asked * choices);
        }
        else if (given is not null)
        {
            return new CompletionBody(body, model, cap * choices);   // a malformed value: decode refuses it with its own 400, and the cap bounds it meanwhile
        }
        if (!enforce) return new CompletionBody(body, model, cap * choices);
        json[field] = cap;
        return new CompletionBody(JsonSerializer.SerializeToUtf8Bytes(json), model, cap * choices);
    }
}
