using System.Text;
using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// One chat message of a request. <paramref name="Role"/> is system, user, assistant or tool (developer arrives as
/// system); <paramref name="Content"/> is null only for an assistant turn that just calls tools.
/// </summary>
public sealed record RequestMessage(
    string Role,
    string? Content,
    string? ReasoningContent,
    IReadOnlyList<RequestToolCall> ToolCalls)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";
    public const string ToolRole = "tool";
    const string DeveloperRole = "developer";

    internal static IReadOnlyList<RequestMessage> ParseAll(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, "messages", out var messages)) throw RequestErrors.Missing("messages");
        RequestJson.AsArray(messages, "messages");
        if (messages.GetArrayLength() == 0) throw RequestErrors.EmptyArray("messages");

        var parsed = new List<RequestMessage>(messages.GetArrayLength());
        foreach (var message in messages.EnumerateArray())
        {
            parsed.Add(Parse(message, $"messages[{parsed.Count}]"));
        }
        return parsed;
    }

    static RequestMessage Parse(JsonElement message, string param)
    {
        RequestJson.AsObject(message, param);
        string role = RequestJson.RequiredString(message, "role", param) switch
        {
            SystemRole or DeveloperRole => SystemRole,
            UserRole => UserRole,
            AssistantRole => AssistantRole,
            ToolRole => ToolRole,
            var other => throw RequestErrors.InvalidValue(
                RequestJson.Path(param, "role"), other, "'system', 'developer', 'user', 'assistant', and 'tool'"),
        };

        string? content = ParseContent(message, param);
        if (role != AssistantRole)
        {
            return new RequestMessage(role, content ?? throw MissingContent(message, param), null, []);
        }

        var toolCalls = ParseToolCalls(message, param);
        // OpenAI: an assistant message needs content unless it carries tool calls.
        if (content is null && toolCalls.Count == 0) throw MissingContent(message, param);
        return new RequestMessage(role, content, RequestJson.OptionalString(message, "reasoning_content", param), toolCalls);
    }

    static string? ParseContent(JsonElement message, string param)
    {
        string contentParam = RequestJson.Path(param, "content");
        if (!RequestJson.TryGetValue(message, "content", out var content)) return null;
        if (content.ValueKind == JsonValueKind.String) return RequestJson.AsString(content, contentParam);
        if (content.ValueKind != JsonValueKind.Array)
        {
            throw RequestErrors.WrongType(contentParam, "a string or an array of content parts", content);
        }
        if (content.GetArrayLength() == 0) throw RequestErrors.EmptyArray(contentParam);

        // Parts are joined with nothing between them, as the Qwen3.5 chat template joins text items.
        var text = new StringBuilder();
        int index = 0;
        foreach (var part in content.EnumerateArray())
        {
            string partParam = $"{contentParam}[{index++}]";
            RequestJson.AsObject(part, partParam);
            string type = RequestJson.RequiredString(part, "type", partParam);
            if (type is "image_url" or "image" or "video" or "video_url" or "input_audio")
            {
                throw RequestErrors.UnsupportedValue(RequestJson.Path(partParam, "type"),
                    $"Content parts of type '{type}' need the model's vision or audio encoder, which this server does not run yet; only 'text' parts are served.");
            }
            if (type != "text")
            {
                throw RequestErrors.InvalidValue(RequestJson.Path(partParam, "type"), type, "'text', 'image_url'");
            }
            text.Append(RequestJson.RequiredString(part, "text", partParam));
        }
        return text.ToString();
    }

    static IReadOnlyList<RequestToolCall> ParseToolCalls(JsonElement message, string param)
    {
        string callsParam = RequestJson.Path(param, "tool_calls");
        if (!RequestJson.TryGetValue(message, "tool_calls", out var calls)) return [];
        RequestJson.AsArray(calls, callsParam);
        if (calls.GetArrayLength() == 0) throw RequestErrors.EmptyArray(callsParam);

        var parsed = new List<RequestToolCall>(calls.GetArrayLength());
        foreach (var call in calls.EnumerateArray())
        {
            parsed.Add(RequestToolCall.Parse(call, $"{callsParam}[{parsed.Count}]"));
        }
        return parsed;
    }

    // An explicit null is a wrong type, an absent field a missing one: the two errors OpenAI gives for them.
    static OpenAiException MissingContent(JsonElement message, string param)
    {
        string contentParam = RequestJson.Path(param, "content");
        return message.TryGetProperty("content", out var content)
            ? RequestErrors.WrongType(contentParam, "a string or an array of content parts", content)
            : RequestErrors.Missing(contentParam);
    }
}
