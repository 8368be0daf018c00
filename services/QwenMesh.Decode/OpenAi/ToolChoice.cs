using System.Text.Json;
using System.Text.RegularExpressions;

namespace QwenMesh.Decode.OpenAi;

/// <summary>What the client allows: no tool calls, the model's choice, at least one call, or a call to one named function.</summary>
public enum ToolChoiceMode
{
    None,
    Auto,
    Required,
    Function,
}

/// <summary>A validated <c>tool_choice</c> (with <c>tools</c> and <c>parallel_tool_calls</c>).</summary>
public sealed partial record ToolChoice(ToolChoiceMode Mode, string? Function, bool Parallel)
{
    public static readonly ToolChoice NoTools = new(ToolChoiceMode.None, null, true);

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();

    /// <summary>OpenAI's rule for function (and response schema) names.</summary>
    internal static bool IsFunctionName(string name) => FunctionName().IsMatch(name);

    /// <summary>Checks every tool's shape and the choice against them; the default is auto with tools, none without.</summary>
    internal static ToolChoice Parse(JsonElement root, IReadOnlyList<JsonElement>? tools)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < (tools?.Count ?? 0); i++)
        {
            string param = $"tools[{i}]";
            JsonElement tool = tools![i];
            string type = RequestJson.RequiredString(tool, "type", param);
            if (type != "function") throw RequestErrors.InvalidValue(RequestJson.Path(param, "type"), type, "'function'");
            string functionParam = RequestJson.Path(param, "function");
            if (!RequestJson.TryGetValue(tool, "function", out var function)) throw RequestErrors.Missing(functionParam);
            RequestJson.AsObject(function, functionParam);
            string name = RequestJson.RequiredString(function, "name", functionParam);
            if (!IsFunctionName(name))
            {
                throw OpenAiException.BadRequest(
                    $"Invalid '{functionParam}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{{1,64}}$'.",
                    $"{functionParam}.name", "invalid_value");
            }
            if (!names.Add(name))
            {
                throw OpenAiException.BadRequest($"Duplicate function name '{name}' in tools.", $"{functionParam}.name", "invalid_value");
            }
            if (RequestJson.TryGetValue(function, "parameters", out var parameters)) RequestJson.AsObject(parameters, $"{functionParam}.parameters");
        }

        bool parallel = RequestJson.OptionalBool(root, "parallel_tool_calls") ?? true;
        if (!RequestJson.TryGetValue(root, "tool_choice", out var choice))
        {
            return new ToolChoice(names.Count > 0 ? ToolChoiceMode.Auto : ToolChoiceMode.None, null, parallel);
        }
        if (choice.ValueKind == JsonValueKind.String)
        {
            string mode = choice.GetString()!;
            ToolChoiceMode parsed = mode switch
            {
                "none" => ToolChoiceMode.None,
                "auto" => ToolChoiceMode.Auto,
                "required" => ToolChoiceMode.Required,
                _ => throw RequestErrors.InvalidValue("tool_choice", mode, "'none', 'auto', 'required'"),
            };
            if (parsed != ToolChoiceMode.None && names.Count == 0)
            {
                throw OpenAiException.BadRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice", "invalid_value");
            }
            return new ToolChoice(parsed, null, parallel);
        }
        RequestJson.AsObject(choice, "tool_choice");
        string kind = RequestJson.RequiredString(choice, "type", "tool_choice");
        if (kind != "function") throw RequestErrors.InvalidValue("tool_choice.type", kind, "'function'");
        if (!RequestJson.TryGetValue(choice, "function", out var named)) throw RequestErrors.Missing("tool_choice.function");
        RequestJson.AsObject(named, "tool_choice.function");
        string chosen = RequestJson.RequiredString(named, "name", "tool_choice.function");
        if (!names.Contains(chosen))
        {
            throw OpenAiException.BadRequest($"tool_choice names the function '{chosen}', which is not in tools.", "tool_choice.function.name", "invalid_value");
        }
        return new ToolChoice(ToolChoiceMode.Function, chosen, parallel);
    }
}
