using System.Text.Json;
using QwenMesh.Text.Templates;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// A validated POST /v1/chat/completions body. MaxTokens is null when the client set no limit. Messages are the
/// validated view; <see cref="Conversation"/> keeps the messages, tools and chat_template_kwargs as sent, for the
/// model's chat template. <see cref="ThinkingBudget"/> is vLLM's <c>thinking_token_budget</c> (null: the server's).
/// </summary>
public sealed record ChatCompletionRequest(
    string Model,
    IReadOnlyList<RequestMessage> Messages,
    int? MaxTokens,
    GenerationOptions Options,
    ChatTemplateInputs Conversation,
    ToolChoice ToolChoice,
    ResponseFormat ResponseFormat,
    int? ThinkingBudget)
{
    /// <summary>Parses and validates the raw UTF-8 body; throws a 400 <see cref="OpenAiException"/> naming the bad param.</summary>
    public static ChatCompletionRequest Parse(ReadOnlySpan<byte> json)
    {
        using var document = RequestJson.ParseObject(json);
        var root = document.RootElement;

        string model = RequestJson.RequiredNonEmptyString(root, "model");
        var messages = RequestMessage.ParseAll(root);
        int? maxTokens = RequestJson.OptionalInt(root, "max_tokens", minimum: 1);
        // max_completion_tokens is the newer name for the same limit; when a client sends both it is the one meant.
        maxTokens = RequestJson.OptionalInt(root, "max_completion_tokens", minimum: 1) ?? maxTokens;
        var options = GenerationOptions.Parse(root);

        options = options with { Logprobs = ParseLogprobs(root) };

        // Cloned because the elements must outlive the document they were parsed from.
        var raw = root.GetProperty("messages").EnumerateArray().Select(m => m.Clone()).ToList();
        var tools = ParseTools(root);
        var toolChoice = ToolChoice.Parse(root, tools);
        var responseFormat = ResponseFormat.Parse(root);
        int? thinkingBudget = RequestJson.OptionalInt(root, "thinking_token_budget", minimum: 0);
        var conversation = new ChatTemplateInputs(raw, tools, AddGenerationPrompt: true, ParseTemplateKwargs(root));
        return new ChatCompletionRequest(model, messages, maxTokens, options, conversation, toolChoice, responseFormat, thinkingBudget);
    }

    // logprobs: true, with top_logprobs alternatives (0-20) per token; top_logprobs alone is OpenAI's 400.
    static int? ParseLogprobs(JsonElement root)
    {
        bool wanted = RequestJson.OptionalBool(root, "logprobs") ?? false;
        int? top = RequestJson.OptionalInt(root, "top_logprobs", minimum: 0, maximum: QwenMesh.Model.Sampling.TokenLogprob.MaxTop);
        if (top is not null && !wanted)
        {
            throw OpenAiException.BadRequest("Invalid value for 'top_logprobs': 'logprobs' must be true to use it.", "top_logprobs", "invalid_value");
        }
        return wanted ? top ?? 0 : null;
    }

    // Every key is a variable of the chat template (enable_thinking, reasoning_effort, ...); enable_thinking is a bool.
    static IReadOnlyDictionary<string, JsonElement>? ParseTemplateKwargs(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, "chat_template_kwargs", out var kwargs)) return null;
        RequestJson.AsObject(kwargs, "chat_template_kwargs");
        RequestJson.OptionalBool(kwargs, "enable_thinking", "chat_template_kwargs");
        return kwargs.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }

    static IReadOnlyList<JsonElement>? ParseTools(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, "tools", out var tools)) return null;
        RequestJson.AsArray(tools, "tools");
        if (tools.GetArrayLength() == 0) throw RequestErrors.EmptyArray("tools");

        var parsed = new List<JsonElement>(tools.GetArrayLength());
        foreach (var tool in tools.EnumerateArray())
        {
            // Cloned because the elements must outlive the document they were parsed from.
            parsed.Add(RequestJson.AsObject(tool, $"tools[{parsed.Count}]").Clone());
        }
        return parsed;
    }
}
