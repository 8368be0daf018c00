using System.Text.Json;

namespace QwenMesh.Text.ToolCalls;

/// <summary>The request's tools by name: which parameters each declares, and their JSON Schema types.</summary>
public sealed class ToolSchemas
{
    private readonly Dictionary<string, Dictionary<string, string[]>> _parameters = new(StringComparer.Ordinal);

    public static readonly ToolSchemas Empty = new([]);

    /// <summary>From the request's <c>tools</c> (<c>{type: "function", function: {name, parameters}}</c>).</summary>
    public ToolSchemas(IReadOnlyList<JsonElement> tools)
    {
        foreach (JsonElement tool in tools)
        {
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("function", out JsonElement function)
                || function.ValueKind != JsonValueKind.Object || !function.TryGetProperty("name", out JsonElement name)
                || name.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            var parameters = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (function.TryGetProperty("parameters", out JsonElement schema) && schema.ValueKind == JsonValueKind.Object
                && schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in properties.EnumerateObject())
                {
                    parameters[property.Name] = Types(property.Value);
                }
            }
            _parameters[name.GetString()!] = parameters;
        }
        Names = _parameters.Keys.ToList();
    }

    public IReadOnlyList<string> Names { get; }

    public bool Has(string function) => _parameters.ContainsKey(function);

    /// <summary>The declared types of a parameter (<c>type</c>, or the types of <c>anyOf</c>/<c>oneOf</c>); empty when undeclared.</summary>
    public IReadOnlyList<string> TypesOf(string function, string parameter) =>
        _parameters.TryGetValue(function, out var parameters) && parameters.TryGetValue(parameter, out string[]? types) ? types : [];

    private static string[] Types(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object) return [];
        if (schema.TryGetProperty("type", out JsonElement type))
        {
            if (type.ValueKind == JsonValueKind.String) return [type.GetString()!];
            if (type.ValueKind == JsonValueKind.Array) return type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToArray();
        }
        foreach (string union in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(union, out JsonElement options) && options.ValueKind == JsonValueKind.Array)
            {
                return options.EnumerateArray().SelectMany(Types).Distinct().ToArray();
            }
        }
        if (schema.TryGetProperty("enum", out JsonElement values) && values.ValueKind == JsonValueKind.Array
            && values.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
        {
            return ["string"];
        }
        return [];
    }
}
