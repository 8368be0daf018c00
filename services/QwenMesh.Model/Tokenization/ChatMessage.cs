namespace QwenMesh.Model.Tokenization;

/// <summary>
/// One chat turn as the Qwen chat template sees it. <paramref name="Role"/> is system, user, assistant or tool;
/// null <paramref name="Content"/> counts as empty (assistant turns that only call tools). A non-null
/// <paramref name="ReasoningContent"/> is the assistant's thinking, used instead of any &lt;think&gt; block in the content.
/// </summary>
public sealed record ChatMessage(
    string Role,
    string? Content,
    string? ReasoningContent = null,
    IReadOnlyList<ChatToolCall>? ToolCalls = null)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";
    public const string ToolRole = "tool";

    public static ChatMessage System(string content) => new(SystemRole, content);

    public static ChatMessage User(string content) => new(UserRole, content);

    public static ChatMessage Assistant(string? content, string? reasoningContent = null, IReadOnlyList<ChatToolCall>? toolCalls = null) =>
        new(AssistantRole, content, reasoningContent, toolCalls);

    /// <summary>A tool's result, sent back to the model.</summary>
    public static ChatMessage Tool(string content) => new(ToolRole, content);
}
