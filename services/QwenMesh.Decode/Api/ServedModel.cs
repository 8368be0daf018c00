using QwenMesh.Decode.OpenAi;
using QwenMesh.Hosting;
using QwenMesh.Model;
using QwenMesh.Decode.Completions;
using QwenMesh.Text.Templates;
using QwenMesh.Text.ToolCalls;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Decode.Api;

/// <summary>What the API endpoints share: the served model's identity, tokenizer, chat template, stop ids and limits.</summary>
public sealed class ServedModel(QwenModel model, ITokenizer tokenizer, ServedTemplate template, ModelIdentity identity, ServingOptions options)
{
    readonly ToolCallFormat _toolCalls = ToolCallFormatOf(template, options);
    readonly AnswerConstraints _constraints = new(tokenizer, ToolCallFormatOf(template, options), StopTokensOf(tokenizer, model), options.ThinkingTokenBudget);

    static ToolCallFormat ToolCallFormatOf(ServedTemplate template, ServingOptions options) => template.Chat is { } chat
        ? ToolCallFormats.Parse(options.ToolCallParser, chat.Sources.TryGetValue("tool_use", out string? toolUse) ? toolUse : chat.Source)
        : ToolCallFormat.None;

    static HashSet<int> StopTokensOf(ITokenizer tokenizer, QwenModel model) =>
        tokenizer.StopTokenIds.Concat(model.Config.EosTokenId is { } eos ? [eos] : []).ToHashSet();

    public string Name => identity.Name;
    public ITokenizer Tokenizer => tokenizer;

    /// <summary>
    /// The conversation through the model's chat template; a value the template cannot take, or a conversation it
    /// refuses (its raise_exception), is a 400 naming the field.
    /// </summary>
    public ConversationPrompt RenderChat(ChatTemplateInputs conversation, CancellationToken cancel)
    {
        ChatTemplate chatTemplate = template.Chat ?? throw OpenAiException.BadRequest(
            $"The model '{identity.Name}' ships no chat template, so it serves /v1/completions only.", "messages", "no_chat_template");
        try
        {
            return ConversationPrompt.Render(tokenizer, chatTemplate, conversation, cancel);
        }
        catch (ChatInputException e)
        {
            throw OpenAiException.BadRequest(e.Message, e.Field);
        }
        catch (TemplateException e)
        {
            throw OpenAiException.BadRequest($"The model's chat template cannot render this conversation: {e.Reason}", "messages", "invalid_conversation");
        }
    }
    public int MaxContextTokens => Math.Min(options.MaxContextTokens, model.Config.MaxPositionEmbeddings);
    public IReadOnlySet<int> StopTokens { get; } = StopTokensOf(tokenizer, model);

    /// <summary>
    /// The ids that end this request's output: the model's, and its stop_token_ids. Token ids the request names
    /// (stop_token_ids, logit_bias) must be in the vocabulary; one that is not is a 400 naming it.
    /// </summary>
    public IReadOnlySet<int> StopTokensFor(GenerationOptions o)
    {
        int vocab = model.Config.VocabSize;
        foreach (int id in o.LogitBias?.Keys ?? Enumerable.Empty<int>())
        {
            if (id >= vocab) throw OpenAiException.BadRequest($"Invalid key in 'logit_bias': token {id} is not in the vocabulary ({vocab} tokens).", "logit_bias", "invalid_value");
        }
        if (o.StopTokenIds is not { } extra) return StopTokens;
        for (int i = 0; i < extra.Count; i++)
        {
            if (extra[i] >= vocab) throw OpenAiException.BadRequest($"Invalid 'stop_token_ids[{i}]': token {extra[i]} is not in the vocabulary ({vocab} tokens).", $"stop_token_ids[{i}]", "invalid_value");
        }
        return StopTokens.Concat(extra).ToHashSet();
    }

    /// <summary>What constrains the request's answer (tool_choice, response_format, the reasoning budget), or null.</summary>
    public Text.Grammar.GrammarConstraint? Constraint(ChatCompletionRequest request, ConversationPrompt prompt) => _constraints.For(request, prompt);

    /// <summary>404 unless the request names this model.</summary>
    public void Check(string requested)
    {
        if (requested != identity.Name) throw OpenAiException.ModelNotFound(requested);
    }

    /// <summary>
    /// The completion budget: what the client asked, or else the configured default cap (never more than the rest of the
    /// context), and never more than the gateway reserved (<paramref name="tokenBudget"/>, prompt + completion) once the
    /// prompt is paid; 400 when prompt + budget exceed the context, or when the prompt alone uses the whole reservation.
    /// </summary>
    /// <param name="choices">With n choices the reservation is shared: each gets its part of what the prompt leaves.</param>
    public int Budget(int promptTokens, int? maxTokens, string param, long? tokenBudget = null, int choices = 1)
    {
        int budget = maxTokens ?? Math.Min(options.DefaultMaxTokens, MaxContextTokens - promptTokens);
        if (promptTokens + Math.Max(budget, 1) > MaxContextTokens)
        {
            throw OpenAiException.BadRequest(
                $"This model's maximum context length is {MaxContextTokens} tokens. However, you requested {promptTokens + budget} tokens " +
                $"({promptTokens} in the prompt, {budget} for the completion). Please reduce the prompt or the completion length.",
                param, "context_length_exceeded");
        }
        if (tokenBudget is not { } reserved) return budget;
        if (promptTokens + choices > reserved)
        {
            throw OpenAiException.BadRequest(
                $"The prompt is {promptTokens} tokens, but this request's token budget is {reserved} tokens (prompt and completion together), " +
                "which leaves nothing for the completion (of each choice). Please shorten the prompt or ask for a larger token budget.",
                param, TokenBudgetExceededCode);
        }
        return (int)Math.Min(budget, (reserved - promptTokens) / choices);
    }

    public const string TokenBudgetExceededCode = "token_budget_exceeded";

    /// <summary>The response header with the prompt's token count (the gateway settles its prompt reservation with it).</summary>

    /// <summary>Reports the prompt's size as soon as it is known: before any body byte, streaming or not, and on errors too.</summary>
    public static void PromptTokens(HttpResponse response, int promptTokens) =>
        response.Headers[Hosting.UsageReport.PromptTokensHeader] = promptTokens.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reports where the time before the first token went: prefill, and the state handoff to decode.</summary>
    public static void Timing(HttpResponse response, Completions.RunningCompletion run)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        response.Headers["x-qwenmesh-prefill-ms"] = run.PrefillMs.ToString("F1", invariant);
        response.Headers["x-qwenmesh-handoff-ms"] = run.HandoffMs.ToString("F1", invariant);
        response.Headers["x-qwenmesh-state-bytes"] = run.StateBytes.ToString(invariant);
    }

    /// <summary>
    /// How the answer's tool calls are read for this request: null when it offers no tools, says tool_choice "none",
    /// or the model's template shows no tool-call format (the answer is then all content).
    /// </summary>
    public ToolCallOutput? ToolCalls(ChatCompletionRequest request)
    {
        if (request.ToolChoice.Mode == ToolChoiceMode.None || _toolCalls == ToolCallFormat.None || request.Conversation.Tools is not { Count: > 0 } tools)
        {
            return null;
        }
        return new ToolCallOutput(_toolCalls.CreateParser(new ToolSchemas(tools)), request.ToolChoice.Parallel);
    }

    /// <summary>The conversation the request continues (header x-session-id), if any.</summary>
    public static string? Session(HttpRequest request) =>
        request.Headers["x-session-id"] is { Count: > 0 } s && !string.IsNullOrWhiteSpace(s[0]) ? s[0] : null;
}

/// <summary>The model's chat template, or null for a model that ships none.</summary>
public sealed record ServedTemplate(ChatTemplate? Chat);
