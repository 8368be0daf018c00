using System.Text.Json;

namespace QwenMesh.Text.Grammar;

/// <summary>
/// Grammars of compact JSON (no whitespace between tokens, as XGrammar emits by default): any object
/// (<c>json_object</c>), or the values a JSON schema allows, for the schema features OpenAI's strict mode has
/// (type, properties, required, items, enum, const, anyOf, $ref/$defs, nullable types) plus the bounds that make a
/// random model finish: minimum/maximum on integers, minLength/maxLength, minItems/maxItems.
/// </summary>
public static class JsonGrammar
{
    private const int MaxDepth = 12;
    private static readonly string[] Unsupported = ["pattern", "patternProperties", "if", "then", "else", "not", "dependentSchemas", "uniqueItems", "contains", "multipleOf"];

    /// <summary>Any JSON object, nested up to <see cref="MaxDepth"/> levels.</summary>
    public static GrammarNode AnyObject() => Any(MaxDepth, objectOnly: true);

    /// <summary>The values <paramref name="schema"/> allows; throws <see cref="SchemaException"/> for what it cannot enforce.</summary>
    public static GrammarNode FromSchema(JsonElement schema) => new Compiler(schema).Compile(schema, "", 0);

    private static GrammarNode Any(int depth, bool objectOnly = false)
    {
        GrammarNode value = new LazyNode(() => Any(depth - 1));
        var pair = new SequenceNode(new StringNode(0, int.MaxValue), new LiteralNode(":"), value);
        var obj = new DelimitedNode((byte)'{', (byte)'}', pair, 0, int.MaxValue);
        if (objectOnly) return obj;
        var scalars = new GrammarNode[] { new StringNode(0, int.MaxValue), new NumberNode(), new LiteralNode("true"), new LiteralNode("false"), new LiteralNode("null") };
        return depth <= 0
            ? new ChoiceNode(scalars)
            : new ChoiceNode([.. scalars, obj, new DelimitedNode((byte)'[', (byte)']', value, 0, int.MaxValue)]);
    }

    private sealed class Compiler(JsonElement root)
    {
        private readonly Dictionary<string, GrammarNode> _refs = new(StringComparer.Ordinal);

        public GrammarNode Compile(JsonElement schema, string path, int depth)
        {
            if (depth > MaxDepth) throw new SchemaException(path, $"the schema nests deeper than {MaxDepth} levels");
            if (schema.ValueKind == JsonValueKind.True) return Any(MaxDepth - depth);
            if (schema.ValueKind != JsonValueKind.Object) throw new SchemaException(path, "a schema must be an object");
            foreach (string keyword in Unsupported)
            {
                if (schema.TryGetProperty(keyword, out _))
                {
                    throw new SchemaException(Join(path, keyword), $"'{keyword}' is not supported in structured outputs");
                }
            }
            if (schema.TryGetProperty("$ref", out JsonElement reference)) return Ref(reference, Join(path, "$ref"), depth);
            if (schema.TryGetProperty("const", out JsonElement constant)) return Literal(constant);
            if (schema.TryGetProperty("enum", out JsonElement values))
            {
                if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0) throw new SchemaException(Join(path, "enum"), "enum must be a non-empty array");
                return new ChoiceNode(values.EnumerateArray().Select(Literal).ToArray());
            }
            foreach (string union in new[] { "anyOf", "oneOf" })
            {
                if (schema.TryGetProperty(union, out JsonElement options))
                {
                    if (options.ValueKind != JsonValueKind.Array || options.GetArrayLength() == 0) throw new SchemaException(Join(path, union), $"{union} must be a non-empty array");
                    return new ChoiceNode(options.EnumerateArray().Select((o, i) => Compile(o, $"{Join(path, union)}[{i}]", depth + 1)).ToArray());
                }
            }
            if (!schema.TryGetProperty("type", out JsonElement type))
            {
                if (schema.TryGetProperty("properties", out _)) return Typed("object", schema, path, depth);
                return Any(MaxDepth - depth);
            }
            if (type.ValueKind == JsonValueKind.Array)
            {
                return new ChoiceNode(type.EnumerateArray().Select(t => Typed(t.GetString() ?? "", schema, path, depth)).ToArray());
            }
            return Typed(type.GetString() ?? "", schema, path, depth);
        }

        private GrammarNode Typed(string type, JsonElement schema, string path, int depth)
        {
            switch (type)
            {
                case "string":
                    {
                        int min = Int(schema, "minLength", path) ?? 0, max = Int(schema, "maxLength", path) ?? int.MaxValue;
                        if (min > max) throw new SchemaException(Join(path, "minLength"), "minLength is above maxLength");
                        return new StringNode(min, max);
                    }
                case "integer":
                    {
                        long min = Long(schema, "minimum", path) ?? long.MinValue, max = Long(schema, "maximum", path) ?? long.MaxValue;
                        if (Long(schema, "exclusiveMinimum", path) is { } exMin) min = Math.Max(min, exMin + 1);
                        if (Long(schema, "exclusiveMaximum", path) is { } exMax) max = Math.Min(max, exMax - 1);
                        if (min > max) throw new SchemaException(Join(path, "minimum"), "the integer range is empty");
                        return new IntegerNode(min, max);
                    }
                case "number":
                    foreach (string bound in new[] { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" })
                    {
                        if (schema.TryGetProperty(bound, out _)) throw new SchemaException(Join(path, bound), $"'{bound}' is supported on integers only");
                    }
                    return new NumberNode();
                case "boolean":
                    return new ChoiceNode(new LiteralNode("true"), new LiteralNode("false"));
                case "null":
                    return new LiteralNode("null");
                case "array":
                    {
                        int min = Int(schema, "minItems", path) ?? 0, max = Int(schema, "maxItems", path) ?? int.MaxValue;
                        if (min > max) throw new SchemaException(Join(path, "minItems"), "minItems is above maxItems");
                        GrammarNode item = schema.TryGetProperty("items", out JsonElement items)
                            ? Compile(items, Join(path, "items"), depth + 1)
                            : Any(MaxDepth - depth - 1);
                        return new DelimitedNode((byte)'[', (byte)']', item, min, max);
                    }
                case "object":
                    return Object(schema, path, depth);
                default:
                    throw new SchemaException(Join(path, "type"), $"unknown type '{type}'");
            }
        }

        private GrammarNode Object(JsonElement schema, string path, int depth)
        {
            if (!schema.TryGetProperty("properties", out JsonElement properties) || properties.ValueKind != JsonValueKind.Object)
            {
                return schema.TryGetProperty("additionalProperties", out JsonElement extra) && extra.ValueKind == JsonValueKind.False
                    ? new LiteralNode("{}")
                    : AnyObject();
            }
            var required = new HashSet<string>(StringComparer.Ordinal);
            if (schema.TryGetProperty("required", out JsonElement names) && names.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement name in names.EnumerateArray()) required.Add(name.GetString() ?? "");
            }
            var list = new List<(string, GrammarNode, bool)>();
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                list.Add((property.Name, Compile(property.Value, Join(Join(path, "properties"), property.Name), depth + 1), required.Contains(property.Name)));
            }
            foreach (string name in required)
            {
                if (!list.Any(p => p.Item1 == name)) throw new SchemaException(Join(path, "required"), $"'{name}' is required but not among the properties");
            }
            return new ObjectNode(list);
        }

        // #/$defs/Name and #/definitions/Name; a recursive one is built lazily, as deep as the answer goes.
        private GrammarNode Ref(JsonElement reference, string path, int depth)
        {
            string target = reference.GetString() ?? "";
            if (_refs.TryGetValue(target, out GrammarNode? known)) return known;
            string[] parts = target.Split('/');
            if (parts.Length != 3 || parts[0] != "#" || parts[1] is not ("$defs" or "definitions")
                || !root.TryGetProperty(parts[1], out JsonElement defs) || !defs.TryGetProperty(parts[2], out JsonElement definition))
            {
                throw new SchemaException(path, $"'{target}' does not name a schema under #/$defs");
            }
            var lazy = new LazyNode(() => Compile(definition, target, depth + 1));
            _refs[target] = lazy;
            return lazy;
        }

        private static GrammarNode Literal(JsonElement value) =>
            new LiteralNode(JsonSerializer.Serialize(value, ToolCalls.JsonText.Options));

        private static int? Int(JsonElement schema, string name, string path) =>
            Long(schema, name, path) is { } n ? (int)Math.Clamp(n, 0, int.MaxValue) : null;

        private static long? Long(JsonElement schema, string name, string path)
        {
            if (!schema.TryGetProperty(name, out JsonElement value)) return null;
            if (value.ValueKind != JsonValueKind.Number) throw new SchemaException(Join(path, name), $"'{name}' must be a number");
            if (value.TryGetInt64(out long n)) return n;
            double d = value.GetDouble();
            return d == Math.Floor(d) && Math.Abs(d) < 9e18 ? (long)d : throw new SchemaException(Join(path, name), $"'{name}' must be an integer");
        }

        private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
    }
}
