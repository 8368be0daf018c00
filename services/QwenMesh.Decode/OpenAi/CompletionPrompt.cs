using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>The prompt of a /v1/completions request: text to tokenize, or token ids to use as they are.</summary>
public sealed record CompletionPrompt
{
    const string Param = "prompt";
    const string Accepted = "a string, an array holding one string, or an array of token ids";

    CompletionPrompt(string? text, IReadOnlyList<int>? tokenIds)
    {
        Text = text;
        TokenIds = tokenIds;
    }

    /// <summary>The prompt text; null when the client sent token ids.</summary>
    public string? Text { get; }

    /// <summary>The prompt's token ids; null when the client sent text.</summary>
    public IReadOnlyList<int>? TokenIds { get; }

    public static CompletionPrompt FromText(string text) => new(text, null);

    public static CompletionPrompt FromTokenIds(IReadOnlyList<int> tokenIds) => new(null, tokenIds);

    internal static CompletionPrompt Parse(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, Param, out var prompt)) throw RequestErrors.Missing(Param);
        if (prompt.ValueKind == JsonValueKind.String) return FromText(NonEmpty(RequestJson.AsString(prompt, Param)));
        if (prompt.ValueKind != JsonValueKind.Array) throw RequestErrors.WrongType(Param, Accepted, prompt);

        int length = prompt.GetArrayLength();
        // Qwen has no BOS token, so an empty prompt leaves the model nothing to continue from.
        if (length == 0) throw RequestErrors.EmptyArray(Param);
        var first = prompt[0];
        if (first.ValueKind == JsonValueKind.String)
        {
            // OpenAI batches an array of strings into one choice per prompt; one sequence per request is served here.
            if (length != 1)
            {
                throw RequestErrors.UnsupportedValue(Param, $"Only one prompt per request is supported, got an array of {length} prompts.");
            }
            return FromText(NonEmpty(RequestJson.AsString(first, Param)));
        }

        var ids = new int[length];
        int index = 0;
        foreach (var item in prompt.EnumerateArray())
        {
            if (!RequestErrors.IsIntegerLiteral(item)) throw RequestErrors.WrongType(Param, Accepted, item);
            if (!item.TryGetInt32(out int id) || id < 0)
            {
                throw OpenAiException.BadRequest(
                    $"Invalid 'prompt': token ids must be between 0 and {int.MaxValue}, got {item.GetRawText()}.", Param, "invalid_value");
            }
            ids[index++] = id;
        }
        return FromTokenIds(ids);
    }

    static string NonEmpty(string text) => text.Length > 0 ? text : throw RequestErrors.EmptyString(Param);
}
