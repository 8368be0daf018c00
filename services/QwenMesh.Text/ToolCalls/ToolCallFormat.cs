namespace QwenMesh.Text.ToolCalls;

/// <summary>How a model writes tool calls, which the chat template teaches it.</summary>
public enum ToolCallFormat
{
    /// <summary>No tool calls are parsed: the template shows no tool-call format.</summary>
    None,

    /// <summary>Qwen3 and Hermes: <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>.</summary>
    Hermes,

    /// <summary>Qwen3.5 and Qwen3-Coder: <c>&lt;tool_call&gt;&lt;function=NAME&gt;&lt;parameter=P&gt;VALUE&lt;/parameter&gt;...</c>.</summary>
    Xml,
}

public static class ToolCallFormats
{
    /// <summary>The format a template's own example call shows (<c>&lt;function=</c> is the XML one).</summary>
    public static ToolCallFormat Detect(string templateSource) =>
        templateSource.Contains("<function=", StringComparison.Ordinal) ? ToolCallFormat.Xml
        : templateSource.Contains("<tool_call>", StringComparison.Ordinal) ? ToolCallFormat.Hermes
        : ToolCallFormat.None;

    /// <summary>The names a configuration may give, as vLLM's --tool-call-parser names them (auto: the template's).</summary>
    public static readonly IReadOnlyList<string> Names = ["auto", "hermes", "qwen3_coder", "qwen3_xml", "none"];

    public static ToolCallFormat Parse(string name, string templateSource) => name.ToLowerInvariant() switch
    {
        "auto" or "" => Detect(templateSource),
        "hermes" => ToolCallFormat.Hermes,
        "qwen3_coder" or "qwen3_xml" => ToolCallFormat.Xml,
        "none" => ToolCallFormat.None,
        _ => throw new ArgumentException($"unknown tool-call format '{name}'; expected one of {string.Join(", ", Names)}"),
    };

    public static IToolCallParser CreateParser(this ToolCallFormat format, ToolSchemas schemas) => format switch
    {
        ToolCallFormat.Hermes => new HermesToolCallParser(),
        ToolCallFormat.Xml => new XmlToolCallParser(schemas),
        _ => throw new ArgumentException("no parser for tool-call format None"),
    };
}
