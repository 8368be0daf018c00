using System.Text.Json;
using QwenMesh.Text.Templates;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `chat-template`: prints the prompt the model's own chat template renders for an OpenAI chat request body
/// (messages, tools, chat_template_kwargs, add_generation_prompt), byte for byte as the server tokenizes it, with no
/// newline added, so it can be diffed against another renderer. Image parts render as the template's placeholders.
/// </summary>
public static class ChatTemplateCommand
{
    public static int Run(CliOptions o, TextWriter stdout, TextReader stdin)
    {
        string model = o.Required("model");
        string requestPath = o.Required("request");
        o.EnsureAllUsed();
        ChatTemplate template = ChatTemplate.Load(model);
        string body = requestPath == "-" ? stdin.ReadToEnd() : File.ReadAllText(requestPath);
        ChatTemplateInputs inputs = Inputs(body, requestPath);
        try
        {
            stdout.Write(template.Render(inputs));
        }
        catch (ChatInputException e)
        {
            throw new ArgumentException($"{requestPath}: {e.Message}");
        }
        catch (TemplateException e)
        {
            throw new ArgumentException($"{requestPath}: the model's chat template cannot render this conversation: {e.Message}");
        }
        return 0;
    }

    static ChatTemplateInputs Inputs(string body, string path)
    {
        JsonElement root;
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}: the request must be a JSON object");
        if (!root.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw new FormatException($"{path}: 'messages' must be a non-empty array");
        }
        List<JsonElement>? tools = null;
        if (root.TryGetProperty("tools", out JsonElement t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.Array) throw new FormatException($"{path}: 'tools' must be an array");
            tools = t.EnumerateArray().ToList();
        }
        Dictionary<string, JsonElement>? kwargs = null;
        if (root.TryGetProperty("chat_template_kwargs", out JsonElement k) && k.ValueKind != JsonValueKind.Null)
        {
            if (k.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}: 'chat_template_kwargs' must be an object");
            kwargs = k.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        }
        bool generationPrompt = !root.TryGetProperty("add_generation_prompt", out JsonElement g) || g.ValueKind != JsonValueKind.False;
        return new ChatTemplateInputs(messages.EnumerateArray().ToList(), tools, generationPrompt, kwargs);
    }
}
