using System.Text.Json;
using System.Text.Json.Nodes;
using QwenMesh.Text.Templates;
using QwenMesh.Text.Tests.Tokenization;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>Conversations through the real Qwen3 tokenizer's own chat template, rendered by the engine.</summary>
internal static class QwenChat
{
    private static readonly Lazy<ChatTemplate> Template = new(() => ChatTemplate.Load(QwenTokenizerFiles.Folder));

    public sealed record Call(string Name, string Arguments);

    public static JsonObject System(string content) => new() { ["role"] = "system", ["content"] = content };

    public static JsonObject User(string content) => new() { ["role"] = "user", ["content"] = content };

    public static JsonObject Tool(string content) => new() { ["role"] = "tool", ["content"] = content };

    public static JsonObject Assistant(string? content, string? reasoningContent = null, IReadOnlyList<Call>? toolCalls = null)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = content };
        if (reasoningContent is not null) message["reasoning_content"] = reasoningContent;
        if (toolCalls is not null)
        {
            message["tool_calls"] = new JsonArray(toolCalls.Select((c, i) => (JsonNode)new JsonObject
            {
                ["id"] = $"call_{i}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            }).ToArray());
        }
        return message;
    }

    public static string Render(IEnumerable<JsonObject> messages, IEnumerable<string>? tools = null, bool addGenerationPrompt = false, bool? enableThinking = null)
    {
        var kwargs = enableThinking is null ? null : new Dictionary<string, JsonElement> { ["enable_thinking"] = JsonSerializer.SerializeToElement(enableThinking.Value) };
        List<JsonElement>? toolList = tools?.Select(t => JsonDocument.Parse(t).RootElement.Clone()).ToList();
        return Template.Value.Render(new ChatTemplateInputs(
            messages.Select(m => JsonSerializer.SerializeToElement(m)).ToList(), toolList, addGenerationPrompt, kwargs));
    }
}
