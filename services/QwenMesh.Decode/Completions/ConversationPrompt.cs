using QwenMesh.Model.Tokenization;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// A chat conversation as prompt tokens, plus the session checkpoint: the token count at the end of the last
/// user (or tool) turn. Earlier turns render the same in every later request of the conversation, so a state saved
/// there is always extended by the next turn's prompt; the assistant's reply is not (Qwen's template re-renders it).
/// </summary>
public sealed record ConversationPrompt(IReadOnlyList<int> Tokens, int CheckpointAt)
{
    public static ConversationPrompt Render(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool? enableThinking)
    {
        IReadOnlyList<int> tokens = tokenizer.Encode(ChatTemplate.Render(messages, addGenerationPrompt: true, enableThinking: enableThinking));
        int lastQuery = -1;
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role is ChatMessage.UserRole or ChatMessage.ToolRole) lastQuery = i;
        }
        if (lastQuery < 0) return new ConversationPrompt(tokens, 0);
        IReadOnlyList<int> upToQuery = tokenizer.Encode(ChatTemplate.Render(messages.Take(lastQuery + 1).ToList()));
        // Only a true prefix can be resumed (it always is for the Qwen template; this guards the assumption).
        bool prefix = upToQuery.Count < tokens.Count && upToQuery.SequenceEqual(tokens.Take(upToQuery.Count));
        return new ConversationPrompt(tokens, prefix ? upToQuery.Count : 0);
    }
}
