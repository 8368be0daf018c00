namespace QwenMesh.Text.Templates;

/// <summary>A request value the chat template cannot be given; <see cref="Field"/> names it (e.g. <c>messages[2].tool_calls[0].function.arguments</c>).</summary>
public sealed class ChatInputException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
