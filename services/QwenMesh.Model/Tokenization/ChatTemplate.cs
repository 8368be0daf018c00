using System.Text;
using System.Text.Json;

namespace QwenMesh.Model.Tokenization;

/// <summary>
/// The Qwen3 chat template (tokenizer_config.json's <c>chat_template</c>) written out in C#. Its output must be
/// byte-identical to transformers' Jinja rendering, since that is the prompt format the model was trained on; each
/// step below names the template construct it mirrors.
/// </summary>
public static class ChatTemplate
{
    private const string ToolsPreamble =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";

    private const string ToolsPostamble =
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
        + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
        + "</tool_call><|im_end|>\n";

    /// <summary>Renders the prompt text (special tokens written out, to be encoded by <see cref="ITokenizer.Encode"/>).</summary>
    /// <param name="tools">Tool definitions (usually <c>{"type": "function", "function": {...}}</c>); null or empty for none.</param>
    /// <param name="addGenerationPrompt">Open an assistant turn for the model to complete.</param>
    /// <param name="enableThinking">False pre-fills an empty think block; null leaves enable_thinking undefined.</param>
    /// <exception cref="ArgumentException">No messages, or a message with an unknown role or malformed tool call.</exception>
    public static string Render(
        IReadOnlyList<ChatMessage> messages,
        IReadOnlyList<JsonElement>? tools = null,
        bool addGenerationPrompt = false,
        bool? enableThinking = null)
    {
        Validate(messages);
        var prompt = new StringBuilder();
        ChatMessage first = messages[0];
        if (tools is { Count: > 0 })
        {
            prompt.Append("<|im_start|>system\n");
            if (first.Role == ChatMessage.SystemRole)
            {
                prompt.Append(Text(first.Content)).Append("\n\n");
            }
            prompt.Append(ToolsPreamble);
            foreach (JsonElement tool in tools)
            {
                prompt.Append('\n').Append(PythonJson.Dumps(tool));
            }
            prompt.Append(ToolsPostamble);
        }
        else if (first.Role == ChatMessage.SystemRole)
        {
            prompt.Append("<|im_start|>system\n").Append(Text(first.Content)).Append("<|im_end|>\n");
        }

        int lastQueryIndex = LastQueryIndex(messages);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            switch (message.Role)
            {
                case ChatMessage.UserRole:
                case ChatMessage.SystemRole when i > 0:
                    prompt.Append("<|im_start|>").Append(message.Role).Append('\n').Append(Text(message.Content)).Append("<|im_end|>\n");
                    break;
                case ChatMessage.AssistantRole:
                    AppendAssistant(prompt, message, afterLastQuery: i > lastQueryIndex, isLast: i == messages.Count - 1);
                    break;
                case ChatMessage.ToolRole:
                    // Consecutive tool results share one user turn.
                    if (i == 0 || messages[i - 1].Role != ChatMessage.ToolRole)
                    {
                        prompt.Append("<|im_start|>user");
                    }
                    prompt.Append("\n<tool_response>\n").Append(Text(message.Content)).Append("\n</tool_response>");
                    if (i == messages.Count - 1 || messages[i + 1].Role != ChatMessage.ToolRole)
                    {
                        prompt.Append("<|im_end|>\n");
                    }
                    break;
            }
        }

        if (addGenerationPrompt)
        {
            prompt.Append("<|im_start|>assistant\n");
            if (enableThinking == false)
            {
                prompt.Append("<think>\n\n</think>\n\n");
            }
        }
        return prompt.ToString();
    }

    // The template's reverse scan: the last user message that is a real query, not tool output the client wrapped
    // in <tool_response> tags. Thinking is only shown for assistant turns after it (the current multi-step answer).
    private static int LastQueryIndex(IReadOnlyList<ChatMessage> messages)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            string content = Text(messages[i].Content);
            bool wrappedToolOutput = content.StartsWith("<tool_response>", StringComparison.Ordinal)
                && content.EndsWith("</tool_response>", StringComparison.Ordinal);
            if (messages[i].Role == ChatMessage.UserRole && !wrappedToolOutput)
            {
                return i;
            }
        }
        return messages.Count - 1;
    }

    private static void AppendAssistant(StringBuilder prompt, ChatMessage message, bool afterLastQuery, bool isLast)
    {
        string content = Text(message.Content);
        string reasoning = "";
        if (message.ReasoningContent is not null)
        {
            reasoning = message.ReasoningContent;
        }
        else if (content.Contains("</think>", StringComparison.Ordinal))
        {
            // content.split('</think>')[-1].lstrip('\n') and
            // content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
            string beforeClose = content[..content.IndexOf("</think>", StringComparison.Ordinal)].TrimEnd('\n');
            int open = beforeClose.LastIndexOf("<think>", StringComparison.Ordinal);
            reasoning = (open < 0 ? beforeClose : beforeClose[(open + "<think>".Length)..]).TrimStart('\n');
            content = content[(content.LastIndexOf("</think>", StringComparison.Ordinal) + "</think>".Length)..].TrimStart('\n');
        }

        prompt.Append("<|im_start|>assistant\n");
        if (afterLastQuery && (isLast || reasoning.Length > 0))
        {
            prompt.Append("<think>\n").Append(reasoning.Trim('\n')).Append("\n</think>\n\n").Append(content.TrimStart('\n'));
        }
        else
        {
            prompt.Append(content);
        }

        IReadOnlyList<ChatToolCall> calls = message.ToolCalls ?? [];
        for (int i = 0; i < calls.Count; i++)
        {
            if (i > 0 || content.Length > 0)
            {
                prompt.Append('\n');
            }
            JsonElement arguments = calls[i].Arguments;
            prompt.Append("<tool_call>\n{\"name\": \"").Append(calls[i].Name).Append("\", \"arguments\": ")
                .Append(arguments.ValueKind == JsonValueKind.String ? arguments.GetString() : PythonJson.Dumps(arguments))
                .Append("}\n</tool_call>");
        }
        prompt.Append("<|im_end|>\n");
    }

    private static void Validate(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw new ArgumentException("The conversation has no messages; at least one is required.", nameof(messages));
        }
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage? message = messages[i];
            if (message is null)
            {
                throw new ArgumentException($"messages[{i}] is null.", nameof(messages));
            }
            if (message.Role is not (ChatMessage.SystemRole or ChatMessage.UserRole or ChatMessage.AssistantRole or ChatMessage.ToolRole))
            {
                throw new ArgumentException(
                    $"messages[{i}] has unknown role '{message.Role}'; expected system, user, assistant or tool.", nameof(messages));
            }
            foreach (ChatToolCall? call in message.ToolCalls ?? [])
            {
                if (call is null || string.IsNullOrEmpty(call.Name) || call.Arguments.ValueKind == JsonValueKind.Undefined)
                {
                    throw new ArgumentException($"messages[{i}] has a tool call without a name or arguments.", nameof(messages));
                }
            }
        }
    }

    private static string Text(string? content) => content ?? "";
}
