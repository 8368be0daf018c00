using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>What the answer's content must be: free text, any JSON object, or JSON that a schema allows.</summary>
public enum ResponseFormatKind
{
    Text,
    JsonObject,
    JsonSchema,
}

/// <summary>A validated <c>response_format</c>; <see cref="Schema"/> is null for json_object, or a json_schema without a schema.</summary>
public sealed record ResponseFormat(ResponseFormatKind Kind, string? Name, JsonElement? Schema)
{
    public static readonly ResponseFormat Text = new(ResponseFormatKind.Text, null, null);

    /// <summary>The param a schema error names, as OpenAI names it.</summary>
    public const string SchemaParam = "response_format.json_schema.schema";

    internal static ResponseFormat Parse(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, "response_format", out var format)) return Text;
        RequestJson.AsObject(format, "response_format");
        string type = RequestJson.RequiredString(format, "type", "response_format");
        switch (type)
        {
            case "text":
                return Text;
            case "json_object":
                return new ResponseFormat(ResponseFormatKind.JsonObject, null, null);
            case "json_schema":
                if (!RequestJson.TryGetValue(format, "json_schema", out var spec)) throw RequestErrors.Missing("response_format.json_schema");
                RequestJson.AsObject(spec, "response_format.json_schema");
                string name = RequestJson.RequiredString(spec, "name", "response_format.json_schema");
                if (!ToolChoice.IsFunctionName(name))
                {
                    throw OpenAiException.BadRequest(
                        "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
                        "response_format.json_schema.name", "invalid_value");
                }
                RequestJson.OptionalString(spec, "description", "response_format.json_schema");
                // strict or not, the grammar holds the answer to the schema: a constrained decoder has no looser mode.
                RequestJson.OptionalBool(spec, "strict", "response_format.json_schema");
                JsonElement? schema = RequestJson.TryGetValue(spec, "schema", out var s) ? RequestJson.AsObject(s, SchemaParam).Clone() : null;
                return new ResponseFormat(ResponseFormatKind.JsonSchema, name, schema);
            default:
                throw RequestErrors.InvalidValue("response_format.type", type, "'text', 'json_object', 'json_schema'");
        }
    }
}
