using System.Text.Json;
using QwenMesh.Text.ToolCalls;

namespace QwenMesh.Text.Grammar;

/// <summary>
/// The grammar of an answer that must call tools (tool_choice "required" or a named function): one call, or with
/// parallel calls several, in the model's own format, each to an allowed function with the arguments its schema
/// allows (required parameters present, values of their types).
/// </summary>
public static class ToolCallGrammar
{
    public static GrammarNode For(ToolCallFormat format, IReadOnlyList<JsonElement> tools, string? onlyFunction, bool parallel)
    {
        var calls = new List<GrammarNode>();
        foreach ((int index, string name, JsonElement parameters) in Functions(tools))
        {
            if (onlyFunction is not null && name != onlyFunction) continue;
            try
            {
                calls.Add(format switch
                {
                    ToolCallFormat.Xml => XmlCall(name, parameters),
                    ToolCallFormat.Hermes => HermesCall(name, parameters),
                    _ => throw new ArgumentException("no tool-call format to constrain"),
                });
            }
            catch (SchemaException e)
            {
                throw new SchemaException($"tools[{index}].function.parameters{(e.Path.Length > 0 ? "." + e.Path : "")}", e.Message);
            }
        }
        if (calls.Count == 0) throw new ArgumentException(onlyFunction is null ? "no tools to call" : $"no tool named '{onlyFunction}'");
        GrammarNode call = calls.Count == 1 ? calls[0] : new ChoiceNode(calls.ToArray());
        if (!parallel) return call;
        // The templates put a newline between calls.
        return new SequenceNode(call, Repeat(new SequenceNode(new LiteralNode("\n"), call)));
    }

    // Zero or more, as a recursive choice built as far as the answer goes.
    private static GrammarNode Repeat(GrammarNode item)
    {
        ChoiceNode? choice = null;
        choice = new ChoiceNode(new SequenceNode(), new SequenceNode(item, new LazyNode(() => choice!)));
        return choice;
    }

    private static IEnumerable<(int Index, string Name, JsonElement Parameters)> Functions(IReadOnlyList<JsonElement> tools)
    {
        for (int i = 0; i < tools.Count; i++)
        {
            if (!tools[i].TryGetProperty("function", out JsonElement function) || !function.TryGetProperty("name", out JsonElement name)) continue;
            yield return (i, name.GetString()!, function.TryGetProperty("parameters", out JsonElement parameters) ? parameters : default);
        }
    }

    private static GrammarNode HermesCall(string name, JsonElement parameters)
    {
        GrammarNode arguments = parameters.ValueKind == JsonValueKind.Object ? JsonGrammar.FromSchema(parameters) : JsonGrammar.AnyObject();
        return new SequenceNode(
            new LiteralNode("<tool_call>\n{\"name\": " + JsonSerializer.Serialize(name, JsonText.Options) + ", \"arguments\": "),
            arguments,
            new LiteralNode("}\n</tool_call>"));
    }

    private static GrammarNode XmlCall(string name, JsonElement parameters)
    {
        var items = new List<GrammarNode> { new LiteralNode($"<tool_call>\n<function={name}>\n") };
        if (parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object)
        {
            var required = new HashSet<string>(StringComparer.Ordinal);
            if (parameters.TryGetProperty("required", out JsonElement names) && names.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement n in names.EnumerateArray()) required.Add(n.GetString() ?? "");
            }
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                GrammarNode parameter = new SequenceNode(new LiteralNode($"<parameter={property.Name}>\n"), XmlValue(property.Value, property.Name));
                items.Add(required.Contains(property.Name) ? parameter : new ChoiceNode(new SequenceNode(), parameter));
            }
        }
        items.Add(new LiteralNode("</function>\n</tool_call>"));
        return new SequenceNode(items.ToArray());
    }

    // A string value is the raw text up to its closing tag; other values are compact JSON of their schema.
    private static GrammarNode XmlValue(JsonElement schema, string name)
    {
        const string Close = "\n</parameter>\n";
        try
        {
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("enum", out JsonElement values) && values.ValueKind == JsonValueKind.Array
                && values.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
            {
                return new ChoiceNode(values.EnumerateArray().Select(v => (GrammarNode)new LiteralNode(v.GetString() + Close)).ToArray());
            }
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
                && type.GetString() == "string")
            {
                int max = schema.TryGetProperty("maxLength", out JsonElement m) && m.TryGetInt32(out int n) ? n : int.MaxValue;
                return new TextUntilNode(Close, max);
            }
            return new SequenceNode(JsonGrammar.FromSchema(schema), new LiteralNode(Close));
        }
        catch (SchemaException e)
        {
            throw new SchemaException($"properties.{name}{(e.Path.Length > 0 ? "." + e.Path : "")}", e.Message);
        }
    }
}
