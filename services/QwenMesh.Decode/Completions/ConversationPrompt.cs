using System.Text.Json;
using QwenMesh.Text.Grammar;
using QwenMesh.Text.Templates;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// A chat conversation as prompt tokens (rendered by the model's own chat template), plus the session checkpoint:
/// the token count at the end of the last user (or tool) turn. Earlier turns render the same in every later request
/// of the conversation, so a state saved there is always extended by the next turn's prompt; the assistant's reply is
/// not (Qwen's templates re-render it). <see cref="Reasoning"/>: whether the prompt leaves a &lt;think&gt; block open
/// (Qwen3.5 opens one in its generation prompt, so the output begins as reasoning), closed one already (Qwen3 with
/// thinking off writes an empty one), or leaves the model to open one.
/// </summary>
public sealed record ConversationPrompt(IReadOnlyList<int> Tokens, int CheckpointAt, ReasoningStart Reasoning)
{
    public bool StartsInReasoning => Reasoning == ReasoningStart.Open;

    public static ConversationPrompt Render(ITokenizer tokenizer, ChatTemplate template, ChatTemplateInputs conversation, CancellationToken cancel = default)
    {
        string text = template.Render(conversation, cancel);
        IReadOnlyList<int> tokens = tokenizer.Encode(text);
        ReasoningStart reasoning = ReasoningOf(text);
        int lastQuery = -1;
        for (int i = 0; i < conversation.Messages.Count; i++)
        {
            if (Role(conversation.Messages[i]) is "user" or "tool") lastQuery = i;
        }
        if (lastQuery < 0) return new ConversationPrompt(tokens, 0, reasoning);
        IReadOnlyList<int> upToQuery;
        try
        {
            upToQuery = tokenizer.Encode(template.Render(
                conversation with { Messages = conversation.Messages.Take(lastQuery + 1).ToList(), AddGenerationPrompt = false }, cancel));
        }
        catch (Exception e) when (e is TemplateException or ChatInputException)
        {
            // A template may refuse a conversation that ends on a tool turn; then there is no checkpoint to keep.
            return new ConversationPrompt(tokens, 0, reasoning);
        }
        // Only a true prefix can be resumed (Qwen's templates give one; this guards the assumption for others).
        bool prefix = upToQuery.Count < tokens.Count && upToQuery.SequenceEqual(tokens.Take(upToQuery.Count));
        return new ConversationPrompt(tokens, prefix ? upToQuery.Count : 0, reasoning);
    }

    static string? Role(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
            ? role.GetString()
            : null;

    static ReasoningStart ReasoningOf(string prompt)
    {
        // The last <think> with no </think> after it and nothing but whitespace: the generation prompt opened one.
        int open = prompt.LastIndexOf("<think>", StringComparison.Ordinal);
        if (open >= 0 && prompt.IndexOf("</think>", open, StringComparison.Ordinal) < 0 && prompt[(open + "<think>".Length)..].Trim().Length == 0)
        {
            return ReasoningStart.Open;
        }
        return prompt.TrimEnd().EndsWith("</think>", StringComparison.Ordinal) ? ReasoningStart.Closed : ReasoningStart.Optional;
    }
}
