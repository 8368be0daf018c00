using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenMesh.Text.Templates;

/// <summary>
/// Request messages as chat templates expect them, prepared as transformers and vLLM prepare them: <c>developer</c>
/// is <c>system</c>; a tool call's <c>arguments</c> JSON string is parsed into an object (templates iterate
/// <c>arguments|items</c>); missing or null content is ""; and for a template that takes text content, the text
/// parts are joined with "\n".
/// </summary>
internal static class MessagePreparation
{
    public static JsonArray Prepare(IReadOnlyList<JsonElement> messages, ContentFormat format)
    {
        var prepared = new JsonArray();
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i].ValueKind != JsonValueKind.Object)
            {
                throw new ChatInputException($"messages[{i}]", $"messages[{i}] must be an object.");
            }
            var message = (JsonObject)JsonNode.Parse(messages[i].GetRawText())!;
            if (message["role"] is JsonValue role && role.TryGetValue(out string? name) && name == "developer")
            {
                message["role"] = "system";
            }
            if (format == ContentFormat.Text && message["content"] is JsonArray parts)
            {
                message["content"] = JoinText(parts, $"messages[{i}].content");
            }
            else if (message["content"] is null)
            {
                // An assistant turn that only calls tools: vLLM gives templates empty content, never None (which
                // would print as "None" in templates that print the content).
                message["content"] = "";
            }
            if (message["tool_calls"] is JsonArray calls)
            {
                for (int j = 0; j < calls.Count; j++)
                {
                    if (calls[j] is JsonObject call && call["function"] is JsonObject function)
                    {
                        ParseArguments(function, $"messages[{i}].tool_calls[{j}].function.arguments");
                    }
                }
            }
            prepared.Add(message);
        }
        return prepared;
    }

    private static string JoinText(JsonArray parts, string field)
    {
        var text = new StringBuilder();
        for (int k = 0; k < parts.Count; k++)
        {
            if (parts[k] is not JsonObject part || part["type"]?.GetValueKind() != JsonValueKind.String || (string?)part["type"] != "text"
                || part["text"]?.GetValueKind() != JsonValueKind.String)
            {
                throw new ChatInputException($"{field}[{k}]",
                    $"{field}[{k}] is not a text part, and this model's chat template takes text content only.");
            }
            if (k > 0) text.Append('\n');
            text.Append((string)part["text"]!);
        }
        return text.ToString();
    }

    private static void ParseArguments(JsonObject function, string field)
    {
        if (function["arguments"] is not JsonValue value || !value.TryGetValue(out string? text)) return;
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ChatInputException(field, $"{field} is not valid JSON: {e.Message}");
        }
        if (parsed is not JsonObject)
        {
            throw new ChatInputException(field, $"{field} must be a JSON object, got {(parsed is null ? "null" : parsed.GetValueKind().ToString().ToLowerInvariant())}.");
        }
        function["arguments"] = parsed;
    }
}
