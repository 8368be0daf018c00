using System.Text.Json;

namespace QwenMesh.Model.Tokenization;

/// <summary>
/// A function call made by the assistant. <paramref name="Arguments"/> is any JSON value; a JSON string is written
/// into the prompt as-is (the OpenAI wire form, where arguments is already serialized JSON text), anything else as
/// the template's <c>tojson</c> would print it.
/// </summary>
public sealed record ChatToolCall(string Name, JsonElement Arguments)
{
    /// <summary>A call whose arguments are already serialized JSON text (the OpenAI wire format).</summary>
    public ChatToolCall(string name, string argumentsJson)
        : this(name, JsonSerializer.SerializeToElement(argumentsJson))
    {
    }
}
