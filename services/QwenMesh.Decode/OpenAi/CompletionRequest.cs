namespace QwenMesh.Decode.OpenAi;

/// <summary>A validated POST /v1/completions body (the legacy text completion endpoint).</summary>
public sealed record CompletionRequest(
    string Model,
    CompletionPrompt Prompt,
    int MaxTokens,
    GenerationOptions Options)
{
    /// <summary>OpenAI's max_tokens when the request gives none: completions are short unless asked otherwise.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>Parses and validates the raw UTF-8 body; throws a 400 <see cref="OpenAiException"/> naming the bad param.</summary>
    public static CompletionRequest Parse(ReadOnlySpan<byte> json)
    {
        using var document = RequestJson.ParseObject(json);
        var root = document.RootElement;

        string model = RequestJson.RequiredNonEmptyString(root, "model");
        var prompt = CompletionPrompt.Parse(root);
        int maxTokens = RequestJson.OptionalInt(root, "max_tokens", minimum: 1) ?? DefaultMaxTokens;
        var options = GenerationOptions.Parse(root);

        if (RequestJson.OptionalLong(root, "best_of") is { } bestOf && bestOf != 1)
        {
            throw RequestErrors.UnsupportedValue("best_of", $"only best_of=1 is supported (got best_of={bestOf})");
        }
        if (RequestJson.OptionalBool(root, "echo") == true)
        {
            throw RequestErrors.UnsupportedValue("echo", "echo is not supported by this server.");
        }
        if (RequestJson.OptionalString(root, "suffix") is { Length: > 0 })
        {
            throw RequestErrors.UnsupportedParameter("suffix");
        }
        // Completions take logprobs as a count of alternatives per token (at most 5); 0 asks for none.
        if (RequestJson.OptionalInt(root, "logprobs", minimum: 0, maximum: 5) is > 0 and int alternatives)
        {
            options = options with { Logprobs = alternatives };
        }
        return new CompletionRequest(model, prompt, maxTokens, options);
    }
}
