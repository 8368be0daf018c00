using System.Text.RegularExpressions;

namespace QwenMesh.Text.Templates;

/// <summary>
/// How a template expects <c>message.content</c>: as text, or as OpenAI's list of content parts. Templates written
/// before content parts (Qwen2.5's, Llama 3's) print the content, so a list would print as its JSON; for them the text
/// parts are joined first, as vLLM does (<c>--chat-template-content-format auto</c>).
/// </summary>
public enum ContentFormat
{
    Text,
    Parts,
}

internal static partial class ContentFormats
{
    // A template handles parts when it loops over the content (testing `content is string` alone is not enough:
    // Qwen3-Coder's does that and still prints a system message's content as text).
    [GeneratedRegex(@"for\s+\w+\s+in\s+[\w.\[\]'""]*content\b", RegexOptions.CultureInvariant)]
    private static partial Regex PartsAware();

    public static ContentFormat Detect(string source) => PartsAware().IsMatch(source) ? ContentFormat.Parts : ContentFormat.Text;
}
