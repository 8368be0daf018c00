using System.Text.Json;
using System.Text.Json.Nodes;
using QwenMesh.Text.Templates.Jinja;

namespace QwenMesh.Text.Templates;

/// <summary>
/// A model's own chat template (the Jinja text in <c>chat_template.jinja</c> or <c>tokenizer_config.json</c>),
/// parsed once and rendered per request with the variables transformers gives it: <c>messages</c>, <c>tools</c>,
/// <c>add_generation_prompt</c>, <c>bos_token</c>, <c>eos_token</c> and the request's <c>chat_template_kwargs</c>.
/// Immutable and safe to share across threads.
/// </summary>
public sealed class ChatTemplate
{
    private const string DefaultName = "default";
    private const string ToolUseName = "tool_use";

    // Variables a client's chat_template_kwargs may not replace: the inputs and the builtins templates rely on.
    private static readonly HashSet<string> Reserved = new(Globals.Names, StringComparer.Ordinal)
    {
        "messages", "tools", "add_generation_prompt", "bos_token", "eos_token", "loop", "true", "false", "none", "True", "False", "None",
    };

    private readonly IReadOnlyDictionary<string, (IReadOnlyList<Stmt> Body, ContentFormat Format)> _templates;
    private readonly Func<DateTime> _now;

    private ChatTemplate(IReadOnlyDictionary<string, string> sources, string? bosToken, string? eosToken, Func<DateTime>? now)
    {
        Sources = sources;
        BosToken = bosToken;
        EosToken = eosToken;
        _now = now ?? (() => DateTime.Now);
        _templates = sources.ToDictionary(
            pair => pair.Key, pair => (Parser.Parse(pair.Value), ContentFormats.Detect(pair.Value)), StringComparer.Ordinal);
    }

    /// <summary>The template text by name: one named <c>default</c>, and <c>tool_use</c> when the model ships one for tools.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; }

    public string? BosToken { get; }

    public string? EosToken { get; }

    /// <summary>The text of the template used for requests without tools.</summary>
    public string Source => Sources[DefaultName];

    /// <summary>Parses <paramref name="source"/>; a syntax error is a <see cref="TemplateException"/> naming the line.</summary>
    public static ChatTemplate Parse(string source, string? bosToken = null, string? eosToken = null, Func<DateTime>? now = null) =>
        new(new Dictionary<string, string> { [DefaultName] = source }, bosToken, eosToken, now);

    /// <summary>
    /// The template a model folder ships: <c>chat_template.jinja</c> if present (what transformers saves today),
    /// else <c>tokenizer_config.json</c>'s <c>chat_template</c> (a string, or a list of named templates);
    /// <c>bos_token</c>/<c>eos_token</c> from <c>tokenizer_config.json</c>. A missing or broken template is a
    /// <see cref="ModelFormatException"/> naming the file and the line.
    /// </summary>
    public static ChatTemplate Load(string modelFolder, Func<DateTime>? now = null)
    {
        if (!Exists(modelFolder)) throw new ModelFormatException(MissingMessage(modelFolder));
        string configPath = Path.Combine(modelFolder, "tokenizer_config.json");
        string jinjaPath = Path.Combine(modelFolder, "chat_template.jinja");
        JsonElement config = default;
        if (File.Exists(configPath))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(configPath));
                config = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new ModelFormatException($"{configPath}: not valid JSON: {e.Message}");
            }
        }
        string? bos = SpecialToken(config, "bos_token");
        string? eos = SpecialToken(config, "eos_token");

        Dictionary<string, string> sources;
        string origin;
        if (File.Exists(jinjaPath))
        {
            sources = new() { [DefaultName] = File.ReadAllText(jinjaPath) };
            origin = jinjaPath;
        }
        else
        {
            sources = ConfigTemplates(config, configPath) ?? throw new ModelFormatException(MissingMessage(modelFolder));
            origin = configPath;
        }
        ChatTemplate loaded;
        try
        {
            loaded = new ChatTemplate(sources, bos, eos, now);
        }
        catch (TemplateException e)
        {
            throw new ModelFormatException($"{origin}: the chat template does not parse: {e.Message}");
        }
        // A template that parses can still call a filter or method the engine lacks: find out now, not per request.
        try
        {
            loaded.Render(new ChatTemplateInputs([JsonSerializer.SerializeToElement(new { role = "user", content = "Hello" })]));
        }
        catch (TemplateException e) when (!e.RaisedByTemplate)
        {
            throw new ModelFormatException($"{origin}: the chat template fails on a one-message conversation: {e.Message}");
        }
        return loaded;
    }

    /// <summary>Whether the folder ships a chat template (base models often do not: they serve completions only).</summary>
    public static bool Exists(string modelFolder)
    {
        if (File.Exists(Path.Combine(modelFolder, "chat_template.jinja"))) return true;
        string configPath = Path.Combine(modelFolder, "tokenizer_config.json");
        if (!File.Exists(configPath)) return false;
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(configPath));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("chat_template", out JsonElement template)
                && template.ValueKind != JsonValueKind.Null;
        }
        catch (JsonException)
        {
            return true; // Load says what is wrong with the file.
        }
    }

    private static string MissingMessage(string modelFolder) =>
        $"{modelFolder}: the model ships no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json)";

    private static Dictionary<string, string>? ConfigTemplates(JsonElement config, string path)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty("chat_template", out JsonElement template)) return null;
        switch (template.ValueKind)
        {
            case JsonValueKind.String:
                return new() { [DefaultName] = template.GetString()! };
            case JsonValueKind.Array:
                var named = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (JsonElement entry in template.EnumerateArray())
                {
                    if (entry.ValueKind != JsonValueKind.Object
                        || !entry.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String
                        || !entry.TryGetProperty("template", out JsonElement text) || text.ValueKind != JsonValueKind.String)
                    {
                        throw new ModelFormatException($"{path}: chat_template entries must be objects with string 'name' and 'template'");
                    }
                    named[name.GetString()!] = text.GetString()!;
                }
                if (!named.ContainsKey(DefaultName))
                {
                    throw new ModelFormatException($"{path}: chat_template has no template named 'default'");
                }
                return named;
            case JsonValueKind.Null:
                return null;
            default:
                throw new ModelFormatException($"{path}: chat_template must be a string or a list of named templates");
        }
    }

    // A special token is either its text or an AddedToken object with a "content" field.
    private static string? SpecialToken(JsonElement config, string name)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty(name, out JsonElement token)) return null;
        return token.ValueKind switch
        {
            JsonValueKind.String => token.GetString(),
            JsonValueKind.Object when token.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => null,
        };
    }

    /// <summary>Whether the template takes <c>content</c> as text or as a list of parts (for requests without tools).</summary>
    public ContentFormat ContentFormat => _templates[DefaultName].Format;

    /// <summary>
    /// The messages exactly as the template receives them: <c>developer</c> as <c>system</c>, tool-call arguments
    /// parsed into objects, text parts joined for a template that takes text. Throws <see cref="ChatInputException"/>.
    /// </summary>
    public JsonArray PrepareMessages(IReadOnlyList<JsonElement> messages, bool withTools = false) =>
        MessagePreparation.Prepare(messages, Pick(withTools).Format);

    private (IReadOnlyList<Stmt> Body, ContentFormat Format) Pick(bool withTools) =>
        withTools && _templates.TryGetValue(ToolUseName, out var toolUse) ? toolUse : _templates[DefaultName];

    /// <summary>
    /// The prompt text for <paramref name="inputs"/> (special tokens written out, to be encoded). Throws
    /// <see cref="ChatInputException"/> for a request value the template cannot take and <see cref="TemplateException"/>
    /// when the template refuses the conversation (<c>raise_exception</c>) or fails on it.
    /// </summary>
    public string Render(ChatTemplateInputs inputs, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        bool withTools = inputs.Tools is { Count: > 0 };
        (IReadOnlyList<Stmt> body, ContentFormat format) = Pick(withTools);

        var scope = new Scope(null);
        Globals.AddTo(scope, _now);
        if (BosToken is not null) scope.Set("bos_token", BosToken);
        if (EosToken is not null) scope.Set("eos_token", EosToken);
        scope.Set("messages", TemplateValues.FromJson(JsonSerializer.SerializeToElement(MessagePreparation.Prepare(inputs.Messages, format))));
        scope.Set("tools", withTools ? inputs.Tools!.Select(TemplateValues.FromJson).ToList() : null);
        scope.Set("add_generation_prompt", inputs.AddGenerationPrompt);
        foreach ((string name, JsonElement value) in inputs.Kwargs ?? new Dictionary<string, JsonElement>())
        {
            if (Reserved.Contains(name))
            {
                throw new ChatInputException($"chat_template_kwargs.{name}", $"chat_template_kwargs.{name} would replace the template's own '{name}'; it cannot be set.");
            }
            scope.Set(name, TemplateValues.FromJson(value));
        }
        return new Interpreter(cancel).Render(body, scope);
    }
}
