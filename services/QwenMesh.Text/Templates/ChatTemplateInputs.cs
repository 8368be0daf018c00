using System.Text.Json;

namespace QwenMesh.Text.Templates;

/// <summary>
/// What a chat template renders, as the OpenAI request carries it: <paramref name="Messages"/> (objects with role,
/// content, tool_calls, ...), <paramref name="Tools"/> (the request's <c>{type, function}</c> objects, or null for
/// none), and <paramref name="Kwargs"/> (the request's <c>chat_template_kwargs</c>, such as <c>enable_thinking</c>,
/// each one a variable of the template).
/// </summary>
public sealed record ChatTemplateInputs(
    IReadOnlyList<JsonElement> Messages,
    IReadOnlyList<JsonElement>? Tools = null,
    bool AddGenerationPrompt = true,
    IReadOnlyDictionary<string, JsonElement>? Kwargs = null);
